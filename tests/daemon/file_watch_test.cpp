// track_file reading and the inotify watch, on a real temporary directory.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "daemon/spawn_launcher.hpp"
#include "daemon/tracking.hpp"
#include "fake_ports.hpp"
#include "track/file_watch.hpp"

using floatd::track::FileWatch;
using floatd::track::parse_inotify;
using floatd::track::read_track_file;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/floatd-fw-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Waits up to a second for the watch to report something.
std::vector<std::string> wait_changes(FileWatch& w) {
  pollfd p{w.fd(), POLLIN, 0};
  if (poll(&p, 1, 1000) <= 0) return {};
  return w.read();
}

// Reads until `file` is reported or a second passes (a directory's re-creation can come in
// more than one batch of events).
bool wait_for(FileWatch& w, const std::string& file) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    for (const auto& f : wait_changes(w)) {
      if (f == file) return true;
    }
  }
  return false;
}

// One inotify record as the kernel writes it: the header, then the name padded with NULs.
std::string record(int wd, std::uint32_t mask, const std::string& name = "", std::uint32_t pad = 0) {
  inotify_event ev{};
  ev.wd = wd;
  ev.mask = mask;
  ev.len = name.empty() ? 0 : static_cast<std::uint32_t>(name.size() + 1 + pad);
  std::string out(sizeof ev, '\0');
  std::memcpy(out.data(), &ev, sizeof ev);
  if (ev.len != 0) out += name + std::string(1 + pad, '\0');
  return out;
}

}  // namespace

TEST_CASE("track file values: number, missing = 0, empty = 0, garbage is an error") {
  TempDir d;
  write(d.path / "a", "42\n");
  CHECK(*read_track_file(d.path / "a") == 42);
  write(d.path / "b", "-7 trailing words\n");
  CHECK(*read_track_file(d.path / "b") == -7);
  write(d.path / "p", "  +3\n");
  CHECK(*read_track_file(d.path / "p") == 3);
  CHECK(*read_track_file(d.path / "missing") == 0);
  CHECK(*read_track_file(d.path / "missing-dir" / "x") == 0);
  write(d.path / "e", "");
  CHECK(*read_track_file(d.path / "e") == 0);
  write(d.path / "w", " \n\t\n");
  CHECK(*read_track_file(d.path / "w") == 0);
  write(d.path / "g", "maintenance\n");
  CHECK_FALSE(read_track_file(d.path / "g").ok());
  write(d.path / "n", "12abc\n");
  CHECK_FALSE(read_track_file(d.path / "n").ok());
}

TEST_CASE("a track file's content never appears in an error") {
  TempDir d;
  write(d.path / "g", "maintenance\n");
  auto r = read_track_file(d.path / "g");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("maintenance") == std::string::npos);
  CHECK(r.error().find("does not start with a whole number") != std::string::npos);
  write(d.path / "big", std::string(64, '9') + "\n");  // out of range
  auto big = read_track_file(d.path / "big");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().find("999") == std::string::npos);
}

TEST_CASE("a FIFO in the track file's place is an error, and reading it does not block") {
  TempDir d;
  const std::string fifo = d.path / "maint";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  // Hold it open for writing (O_RDWR does not block on Linux): a reader that opens it without
  // O_NONBLOCK then waits for data that never comes.
  const int held = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(held >= 0);
  auto pending = std::async(std::launch::async, [&] { return read_track_file(fifo); });
  const bool finished = pending.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  if (!finished) {  // unblock the reader so that the test ends, then fail
    (void)!::write(held, "1\n", 2);
    ::close(held);
  }
  REQUIRE_MESSAGE(finished, "read_track_file blocked on a FIFO");
  ::close(held);
  auto r = pending.get();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("FIFO") != std::string::npos);
}

TEST_CASE("a directory or a socket in the track file's place is an error naming the kind") {
  TempDir d;
  fs::create_directory(d.path / "dir");
  auto dir = read_track_file(d.path / "dir");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().find("directory") != std::string::npos);

  const std::string sock_path = d.path / "sock";
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  sock_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto sock = read_track_file(sock_path);
  ::close(s);
  REQUIRE_FALSE(sock.ok());
  CHECK(sock.error().find("socket") != std::string::npos);

  auto dev = read_track_file("/dev/zero");
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().find("device") != std::string::npos);
}

TEST_CASE("a symbolic link is not followed and its target's content is not logged") {
  TempDir d;
  write(d.path / "passwd", "root:x:0:0:root:/root:/bin/bash\n");
  fs::create_symlink(d.path / "passwd", d.path / "maint");
  auto r = read_track_file(d.path / "maint");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("root") == std::string::npos);
  CHECK(r.error().find("symbolic link") != std::string::npos);

  write(d.path / "five", "5\n");  // even a link to a good number is refused
  fs::create_symlink(d.path / "five", d.path / "link5");
  CHECK_FALSE(read_track_file(d.path / "link5").ok());
}

TEST_CASE("only the start of a big track file is read") {
  TempDir d;
  write(d.path / "big", "12\n" + std::string(1 << 20, 'x'));
  CHECK(*read_track_file(d.path / "big") == 12);
}

TEST_CASE("the watch reports writes, renames over the file, and removal") {
  TempDir d;
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  const std::string file = d.path / "maint";
  REQUIRE((*w)->watch(file).ok());
  write(d.path / "other", "1");  // another file in the directory: not reported
  CHECK((*w)->read().empty());
  write(file, "1\n");
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
  write(d.path / "tmp", "2\n");
  fs::rename(d.path / "tmp", file);
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
  CHECK(*read_track_file(file) == 2);
  fs::remove(file);
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
  CHECK(*read_track_file(file) == 0);
}

TEST_CASE("a watched directory that is removed and made again is watched again") {
  TempDir d;
  const fs::path run = d.path / "run";
  fs::create_directory(run);
  const std::string file = run / "maint";
  write(file, "1\n");
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  REQUIRE((*w)->watch(file).ok());

  fs::remove_all(run);  // systemd removes RuntimeDirectory= on stop ...
  CHECK(wait_for(**w, file));  // the file is gone: it reads 0 now
  CHECK(*read_track_file(file) == 0);

  fs::create_directory(run);  // ... and makes it again on start
  write(file, "7\n");
  CHECK(wait_for(**w, file));
  CHECK(*read_track_file(file) == 7);
  write(file, "8\n");  // and later writes are seen too
  CHECK(wait_for(**w, file));
}

TEST_CASE("a directory that does not exist yet at watch() is watched when it appears") {
  TempDir d;
  const fs::path run = d.path / "run" / "floatd";  // two levels missing
  const std::string file = run / "maint";
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  REQUIRE((*w)->watch(file).ok());
  CHECK((*w)->read().empty());

  fs::create_directories(run);
  write(file, "3\n");
  CHECK(wait_for(**w, file));
  CHECK(*read_track_file(file) == 3);
  write(file, "4\n");
  CHECK(wait_for(**w, file));
}

TEST_CASE("an overflowing inotify queue counts every watched file as changed") {
  // Fills the real queue with events for other files in the directory; the kernel then
  // queues IN_Q_OVERFLOW, after which the watched file's own event may have been lost.
  long max_events = 0;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> max_events;
  if (max_events <= 0 || max_events > 100000) return;  // a raised limit: too slow to fill
  TempDir d;
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  const std::string file = d.path / "maint";
  REQUIRE((*w)->watch(file).ok());
  const std::string names[2] = {d.path / "a", d.path / "b"};  // alternate: no coalescing
  long opened = 0;
  for (long i = 0; i <= max_events + 10; ++i) {
    const int fd = ::open(names[i % 2].c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ++opened;
    ::close(fd);
  }
  REQUIRE(opened == max_events + 11);
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
}

TEST_CASE("parse_inotify: names without padding, the overflow record, a truncated tail") {
  const std::string bytes = record(3, IN_CLOSE_WRITE, "maint", 10) + record(-1, IN_Q_OVERFLOW) +
                            record(4, IN_DELETE_SELF) + record(5, IN_CREATE, "cut").substr(0, 18);
  const auto r = parse_inotify(bytes);
  REQUIRE(r.size() == 3);
  CHECK(r[0].wd == 3);
  CHECK(r[0].mask == IN_CLOSE_WRITE);
  CHECK(r[0].name == "maint");
  CHECK(r[1].wd == -1);
  CHECK(r[1].mask == IN_Q_OVERFLOW);
  CHECK(r[1].name.empty());
  CHECK(r[2].wd == 4);
  CHECK(r[2].name.empty());
  CHECK(parse_inotify("").empty());
  CHECK(parse_inotify(std::string(7, '\0')).empty());
  // A length that runs past the buffer is not read past it.
  std::string lying = record(6, IN_CREATE, "x");
  inotify_event ev{};
  std::memcpy(&ev, lying.data(), sizeof ev);
  ev.len = 0xffffffffu;
  std::memcpy(lying.data(), &ev, sizeof ev);
  CHECK(parse_inotify(lying).empty());
}

TEST_CASE("an overflow record makes every watched file count as changed") {
  TempDir d;
  fs::create_directory(d.path / "x");
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  const std::string a = d.path / "a", b = d.path / "x" / "b";
  REQUIRE((*w)->watch(a).ok());
  REQUIRE((*w)->watch(b).ok());
  CHECK((*w)->on_events(record(-1, IN_Q_OVERFLOW)) == std::vector<std::string>{a, b});
  CHECK((*w)->on_events(record(12345, IN_CLOSE_WRITE, "a")).empty());  // an unknown watch
}

TEST_CASE("retry() replaces a watch whose directory was swapped, and reports its files") {
  TempDir d;
  const fs::path run = d.path / "run";
  fs::create_directory(run);
  const std::string file = run / "maint";
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  REQUIRE((*w)->watch(file).ok());
  CHECK((*w)->retry().empty());  // nothing missing: nothing to report

  // Swap the directory; retry() runs before the events are read (a lost event, in effect).
  fs::rename(run, d.path / "old");
  fs::create_directory(run);
  write(file, "9\n");
  CHECK((*w)->retry() == std::vector<std::string>{file});
  CHECK((*w)->watching(file));
  (void)(*w)->read();  // the swap's own events
  write(file, "10\n");  // the new directory is the one watched
  CHECK(wait_for(**w, file));
  write(d.path / "old" / "maint", "1\n");  // the old one is not
  CHECK((*w)->read().empty());
}

TEST_CASE("a directory moved away and back is followed, and so is a renamed parent") {
  TempDir d;
  const fs::path run = d.path / "p" / "run";
  fs::create_directories(run);
  const std::string file = run / "maint";
  write(file, "1\n");
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  REQUIRE((*w)->watch(file).ok());
  REQUIRE((*w)->watch(d.path / "p" / "other").ok());  // so that p is watched too

  fs::rename(run, d.path / "p" / "gone");
  CHECK(wait_for(**w, file));
  CHECK_FALSE((*w)->watching(file));
  fs::rename(d.path / "p" / "gone", run);
  CHECK(wait_for(**w, file));
  CHECK((*w)->watching(file));

  fs::rename(d.path / "p", d.path / "q");  // the parent: run's watch now watches q/run
  (void)(*w)->read();
  fs::create_directories(run);
  write(file, "5\n");
  CHECK(wait_for(**w, file));
  CHECK(*read_track_file(file) == 5);
}

TEST_CASE("a file where the directory should be is waited past") {
  TempDir d;
  write(d.path / "run", "not a directory");
  const std::string file = d.path / "run" / "maint";
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  REQUIRE((*w)->watch(file).ok());
  CHECK_FALSE((*w)->watching(file));
  fs::remove(d.path / "run");
  fs::create_directory(d.path / "run");
  write(file, "2\n");
  CHECK(wait_for(**w, file));
  CHECK((*w)->watching(file));
}

TEST_CASE("unwatch() stops reporting a file and drops a directory watch no file needs") {
  TempDir d;
  fs::create_directory(d.path / "x");
  const std::string a = d.path / "a", b = d.path / "x" / "b";
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  REQUIRE((*w)->watch(a).ok());
  REQUIRE((*w)->watch(b).ok());
  (*w)->unwatch(b);
  CHECK_FALSE((*w)->watching(b));
  write(b, "1\n");
  write(a, "1\n");
  CHECK(wait_changes(**w) == std::vector<std::string>{a});
  CHECK_FALSE((*w)->watch("relative/path").ok());
  CHECK_FALSE((*w)->watch("/dir/").ok());
}

namespace {

// Tracking with one track_file `maint` at `path`, on a private loop; records what changed.
struct TrackingRig {
  struct Loop {  // destroyed last: the runner and tracking stop their watchers first
    struct ev_loop* p = ev_loop_new(EVFLAG_AUTO);
    ~Loop() { ev_loop_destroy(p); }
  } owner;
  struct ev_loop* loop = owner.p;
  floatd::test::MemoryLog log;
  floatd::SystemClock clock;  // real processes, real time
  floatd::daemon::SpawnLauncher launcher;
  floatd::daemon::ProcessRunner runner{loop, log, clock, launcher};
  std::vector<std::string> changes;
  floatd::daemon::Tracking tracking{
      loop, log, runner,
      [this](const floatd::daemon::TrackerChange& c) {
        const auto t = floatd::daemon::tracker_text(c);
        changes.push_back(t.what + "=" + t.state);
      }};

  explicit TrackingRig(const std::string& path) {
    floatd::config::Config c;
    c.track_files.push_back({"maint", path, 1, {}});
    floatd::config::InstanceConfig i;
    i.name = "vi";
    i.track_files.push_back({"maint", 1, {}});
    c.instances.push_back(i);
    tracking.configure(c);
  }
  int lines_with(const std::string& text) const {
    int n = 0;
    for (const auto& l : log.lines) n += l.find(text) != std::string::npos ? 1 : 0;
    return n;
  }
};

}  // namespace

TEST_CASE("Tracking: a bad track file is logged once, without its content, and shown in status") {
  TempDir d;
  write(d.path / "passwd", "root:x:0:0:root:/root:/bin/bash\n");
  fs::create_symlink(d.path / "passwd", d.path / "maint");
  TrackingRig rig(d.path / "maint");
  rig.tracking.retry_files();
  rig.tracking.retry_files();
  CHECK(rig.lines_with("symbolic link") == 1);
  CHECK(rig.lines_with("root") == 0);
  const auto files = rig.tracking.snapshot().files;
  REQUIRE(files.size() == 1);
  CHECK(files[0].value == 0);
  CHECK(files[0].watched);
  CHECK(files[0].error.find("symbolic link") != std::string::npos);

  fs::remove(d.path / "maint");
  write(d.path / "maint", "3\n");
  rig.tracking.retry_files();  // no event read: the slow timer alone finds the new value
  CHECK(rig.changes == std::vector<std::string>{"file maint=3"});
  CHECK(rig.tracking.snapshot().files[0].error.empty());
}

TEST_CASE("Tracking: a track file whose directory appears later is followed through on_files()") {
  TempDir d;
  const fs::path run = d.path / "run";
  TrackingRig rig(run / "maint");
  CHECK(rig.lines_with("does not exist yet") == 1);
  CHECK(!rig.tracking.snapshot().files[0].watched);
  fs::create_directory(run);
  write(run / "maint", "2\n");
  pollfd p{rig.tracking.file_fd(), POLLIN, 0};
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (rig.changes.empty() && std::chrono::steady_clock::now() < until) {
    if (poll(&p, 1, 1000) > 0) rig.tracking.on_files();
  }
  CHECK(rig.changes == std::vector<std::string>{"file maint=2"});
  CHECK(rig.tracking.snapshot().files[0].watched);
}

// What inotify cannot see: the directory appears later and the file is created in it (an event,
// read while still empty), then written and held open (no IN_CLOSE_WRITE). Only the slow retry,
// which the daemon runs from a timer (Daemon::kFilesRetryPeriod), finds the number.
TEST_CASE("Tracking: a value written without a close is found by retry_files() alone") {
  TempDir d;
  const fs::path run = d.path / "run";
  TrackingRig rig(run / "maint");
  fs::create_directory(run);
  const int fd = ::open((run / "maint").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  pollfd p{rig.tracking.file_fd(), POLLIN, 0};
  while (poll(&p, 1, 200) > 0) rig.tracking.on_files();  // the directory and the empty file
  REQUIRE(::write(fd, "2\n", 2) == 2);
  while (poll(&p, 1, 200) > 0) rig.tracking.on_files();  // nothing the watch reports
  CHECK(rig.changes.empty());
  CHECK(rig.tracking.snapshot().files[0].value == 0);
  rig.tracking.retry_files();
  CHECK(rig.changes == std::vector<std::string>{"file maint=2"});
  CHECK(rig.tracking.snapshot().files[0].watched);
  ::close(fd);
}
