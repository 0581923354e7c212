#include "track/file_watch.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace floatd::track {
namespace {

// What a directory watch reports: the ways a file in it is written, renamed, made or removed,
// and the directory itself going away. The same mask serves a directory that waits for the next
// component of a missing path (IN_CREATE, IN_MOVED_TO).
constexpr std::uint32_t kDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                   IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// The watched directory is gone from its path (IN_MOVE_SELF: the watch follows it elsewhere).
constexpr std::uint32_t kGone = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT;
// A bound on reads per call: a writer that never stops cannot keep the loop here (the ev_io
// watcher is level-triggered and calls again).
constexpr int kMaxReadsPerCall = 64;

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

// True when `path` is `dir` or lies below it.
bool at_or_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "of an unknown kind";
}

Result<long> not_regular(const std::string& path, mode_t mode) {
  if (S_ISLNK(mode)) return fail(path + " is a symbolic link, not followed");
  return fail(path + " is " + kind_of(mode) + ", not a regular file");
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// The first token of `text` as a whole number. `text` is the start of a file of `file_size`
// bytes; `full` says it filled the read limit (so a token that reaches its end may be cut). The
// content never goes into an error: it may be anything (a link target's secrets, bytes that are
// not text).
Result<long> parse_value(const std::string& path, std::string_view text, bool full, off_t file_size) {
  const std::string bytes = " (" + std::to_string(file_size) + " bytes)";
  const auto start = std::find_if_not(text.begin(), text.end(), is_blank);
  const auto stop = std::find_if(start, text.end(), is_blank);
  const bool cut = full && stop == text.end();
  if (start == text.end()) {
    if (cut) return fail(path + " does not start with a whole number" + bytes);
    return 0L;  // empty or blank: keepalived reads 0
  }
  const char* first = text.data() + (start - text.begin());
  const char* last = text.data() + (stop - text.begin());
  if (*first == '+') ++first;
  long value = 0;
  std::from_chars_result r{first, std::errc::invalid_argument};
  if (first != last && (*first == '-' || (*first >= '0' && *first <= '9'))) {
    r = std::from_chars(first, last, value);
  }
  if (r.ec == std::errc::result_out_of_range && r.ptr == last && !cut) {
    return fail(path + " starts with a number out of range" + bytes);
  }
  if (r.ec != std::errc{} || r.ptr != last || cut) {
    return fail(path + " does not start with a whole number" + bytes);
  }
  return value;
}

}  // namespace

Result<long> read_track_file(const std::string& path) {
  // lstat first, so that a device or FIFO is not even opened (opening some devices acts);
  // fstat after the open is what decides, in case the file was replaced in between.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return 0L;  // keepalived: a missing file is 0
    return fail(path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return 0L;
    if (errno == ELOOP) return fail(path + " is a symbolic link, not followed");
    if (errno == ENXIO) return fail(path + " is a socket, not a regular file");
    return fail(path + ": " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0) return fail(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
  char buf[kTrackFileReadLimit];
  std::size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(path + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  const off_t size = std::max<off_t>(st.st_size, static_cast<off_t>(got));
  return parse_value(path, std::string_view(buf, got), got == sizeof buf, size);
}

std::vector<InotifyRecord> parse_inotify(std::string_view bytes) {
  std::vector<InotifyRecord> out;
  std::size_t off = 0;
  while (bytes.size() - off >= sizeof(inotify_event)) {
    inotify_event ev{};
    std::memcpy(&ev, bytes.data() + off, sizeof ev);
    off += sizeof ev;
    if (ev.len > bytes.size() - off) break;  // truncated
    std::string_view name = bytes.substr(off, ev.len);
    name = name.substr(0, name.find('\0'));  // the kernel pads the name with NULs
    out.push_back({ev.wd, ev.mask, std::string(name)});
    off += ev.len;
  }
  return out;
}

Result<std::unique_ptr<FileWatch>> FileWatch::open() {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fail(std::string("inotify: ") + std::strerror(errno));
  return std::unique_ptr<FileWatch>(new FileWatch(fd));
}

FileWatch::~FileWatch() { close(fd_); }

Result<Ok> FileWatch::watch(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') {
    return fail("track file " + path + " is not an absolute path to a file");
  }
  files_.insert(path);
  std::set<std::string> ignored;
  return sync(ignored);
}

void FileWatch::unwatch(const std::string& path) {
  if (files_.erase(path) == 0) return;
  std::set<std::string> ignored;
  (void)sync(ignored);
}

bool FileWatch::watching(const std::string& path) const {
  return files_.count(path) != 0 && watched_.count(dir_of(path)) != 0;
}

std::vector<std::string> FileWatch::read() {
  std::set<std::string> changed;
  alignas(inotify_event) char buf[16384];
  for (int i = 0; i < kMaxReadsPerCall; ++i) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (auto& f : on_events(std::string_view(buf, static_cast<std::size_t>(n)))) {
      changed.insert(std::move(f));
    }
  }
  return {changed.begin(), changed.end()};
}

std::vector<std::string> FileWatch::on_events(std::string_view bytes) {
  std::set<std::string> changed;
  bool resync = false;
  bool revalid = false;
  for (const auto& r : parse_inotify(bytes)) {
    if ((r.mask & IN_Q_OVERFLOW) != 0) {  // events were lost: anything may have changed
      changed.insert(files_.begin(), files_.end());
      revalid = true;
      continue;
    }
    std::vector<std::string> paths;
    for (const auto& [p, w] : watched_) {
      if (w.wd == r.wd) paths.push_back(p);
    }
    for (const auto& p : paths) {
      if ((r.mask & kGone) != 0) {  // the directory left its path: its files with it
        files_in(p, changed);
        forget(p, (r.mask & IN_MOVE_SELF) != 0);  // a moved directory's watch is still live
        revalid = true;  // watches below it (if any) now watch somewhere else, or nothing
        continue;
      }
      if (r.name.empty()) {
        files_in(p, changed);
        continue;
      }
      const std::string child = join(p, r.name);
      if (files_.count(child) != 0) changed.insert(child);
      if ((r.mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
        for (const auto& d : wanted_dirs()) {  // the next component of a missing directory?
          if (watched_.count(d) == 0 && at_or_under(d, child)) resync = true;
        }
      }
      if ((r.mask & IN_MOVED_FROM) != 0 && (r.mask & IN_ISDIR) != 0) {
        for (const auto& [w, _] : watched_) {  // a watch below it now watches somewhere else
          if (w != child && at_or_under(w, child)) revalid = true;
        }
      }
    }
  }
  if (revalid) {
    revalidate(changed);
  } else if (resync) {
    (void)sync(changed);
  }
  return {changed.begin(), changed.end()};
}

std::vector<std::string> FileWatch::retry() {
  std::set<std::string> changed;
  revalidate(changed);
  return {changed.begin(), changed.end()};
}

std::set<std::string> FileWatch::wanted_dirs() const {
  std::set<std::string> dirs;
  for (const auto& f : files_) dirs.insert(dir_of(f));
  return dirs;
}

void FileWatch::files_in(const std::string& dir, std::set<std::string>& out) const {
  for (const auto& f : files_) {
    if (dir_of(f) == dir) out.insert(f);
  }
}

void FileWatch::forget(const std::string& path, bool remove_watch) {
  auto it = watched_.find(path);
  if (it == watched_.end()) return;
  const int wd = it->second.wd;
  watched_.erase(it);
  const bool shared = std::any_of(watched_.begin(), watched_.end(),
                                  [wd](const auto& w) { return w.second.wd == wd; });
  if (remove_watch && !shared) inotify_rm_watch(fd_, wd);
}

int FileWatch::add(const std::string& path) {
  const int wd = inotify_add_watch(fd_, path.c_str(), kDirMask);
  if (wd < 0) return errno;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) st = {};  // raced with a removal: revalidate() redoes it
  watched_[path] = Watched{wd, st.st_dev, st.st_ino};
  return 0;
}

// Watches every wanted directory that exists, and for each one that does not, its nearest
// existing ancestor; drops the watches no longer needed. Files whose directory watch is new
// count as changed. The error is the first directory that exists but cannot be watched.
Result<Ok> FileWatch::sync(std::set<std::string>& changed) {
  std::string error;
  std::set<std::string> keep;
  for (const auto& dir : wanted_dirs()) {
    if (watched_.count(dir) != 0) {
      keep.insert(dir);
      continue;
    }
    const int err = add(dir);
    if (err == 0) {
      keep.insert(dir);
      files_in(dir, changed);
      continue;
    }
    if (err != ENOENT && err != ENOTDIR && error.empty()) {
      error = "cannot watch directory " + dir + ": " + std::strerror(err);
    }
    for (std::string up = dir_of(dir);; up = dir_of(up)) {  // wait for the next component
      if (watched_.count(up) != 0 || add(up) == 0) {
        keep.insert(up);
        break;
      }
      if (up == "/") break;
    }
  }
  std::vector<std::string> unneeded;
  for (const auto& [p, _] : watched_) {
    if (keep.count(p) == 0) unneeded.push_back(p);
  }
  for (const auto& p : unneeded) forget(p, true);
  if (!error.empty()) return fail(error);
  return Ok{};
}

// Drops each watch whose path no longer leads to the directory it watches, then sync().
void FileWatch::revalidate(std::set<std::string>& changed) {
  std::vector<std::string> stale;
  for (const auto& [p, w] : watched_) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || st.st_dev != w.dev || st.st_ino != w.ino) stale.push_back(p);
  }
  for (const auto& p : stale) {
    files_in(p, changed);
    forget(p, true);
  }
  (void)sync(changed);
}

}  // namespace floatd::track
