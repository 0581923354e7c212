#include "track/file_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>

namespace floatd::track {
namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

Result<long> read_track_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT || errno == ENOTDIR) return 0L;
    return fail(path + ": " + std::strerror(errno));
  }
  std::string token;
  if (!(in >> token)) return 0L;  // empty file
  long value = 0;
  const auto* end = token.data() + token.size();
  auto [p, ec] = std::from_chars(token.data() + (token[0] == '+' ? 1 : 0), end, value);
  if (ec != std::errc{} || p != end) {
    return fail(path + ": \"" + token.substr(0, 32) + "\" is not a whole number");
  }
  return value;
}

Result<std::unique_ptr<FileWatch>> FileWatch::open() {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fail(std::string("inotify: ") + std::strerror(errno));
  return std::unique_ptr<FileWatch>(new FileWatch(fd));
}

FileWatch::~FileWatch() { close(fd_); }

Result<Ok> FileWatch::watch(const std::string& path) {
  if (path.empty() || path[0] != '/') return fail("track file " + path + " is not an absolute path");
  const std::string dir = dir_of(path);
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                        IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
  const int wd = inotify_add_watch(fd_, dir.c_str(), mask);
  if (wd < 0) return fail("cannot watch directory " + dir + ": " + std::strerror(errno));
  dirs_[wd] = dir;
  for (auto [it, end] = files_.equal_range(dir); it != end; ++it) {
    if (it->second == path) return Ok{};
  }
  files_.emplace(dir, path);
  return Ok{};
}

std::vector<std::string> FileWatch::read() {
  std::set<std::string> changed;
  alignas(inotify_event) char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      auto d = dirs_.find(ev->wd);
      if (d == dirs_.end()) continue;
      const bool whole_dir = (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW)) != 0 || ev->len == 0;
      for (auto [it, end] = files_.equal_range(d->second); it != end; ++it) {
        if (whole_dir || base_of(it->second) == ev->name) changed.insert(it->second);
      }
    }
  }
  return {changed.begin(), changed.end()};
}

}  // namespace floatd::track
