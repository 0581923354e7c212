// ProcessRunner: real scripts through the real launcher, on a loop of their own (libev's
// default loop would reap behind the runner's back). Every wait is a poll of the loop
// until a condition or a deadline, never a sleep that hopes.
#include <dirent.h>
#include <ev.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <doctest/doctest.h>

#include "daemon/process_runner.hpp"
#include "daemon/spawn_launcher.hpp"
#include "floatd/text.hpp"
#include "track/script_security.hpp"

using floatd::Microseconds;
using floatd::daemon::ProcessRunner;
using floatd::track::Outcome;
using floatd::track::ProcessResult;
using namespace std::chrono_literals;

namespace {

class TestLog final : public floatd::Log {
 public:
  std::vector<std::string> lines;
  void write(floatd::LogLevel, std::string_view m) override { lines.emplace_back(m); }
  bool debug_enabled() const override { return true; }
};

// Runs `loop` until pred() holds or `limit` has passed; returns pred().
bool run_until(struct ev_loop* loop, const std::function<bool()>& pred,
               std::chrono::milliseconds limit = 10s) {
  ev_timer tick;  // wakes the loop so that a condition outside it (a file, /proc) is seen
  ev_timer_init(&tick, [](struct ev_loop*, ev_timer*, int) {}, 0.01, 0.01);
  ev_timer_start(loop, &tick);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < deadline) ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &tick);
  return pred();
}

floatd::track::Command command(std::string_view line) {
  auto cmd = floatd::track::parse_command(line);
  REQUIRE(cmd.ok());
  return *cmd;
}

// A private libev loop, destroyed after whatever was declared after it.
struct Loop {
  struct ev_loop* p = ev_loop_new(EVFLAG_AUTO);
  ~Loop() { ev_loop_destroy(p); }
};

struct Harness {
  Loop owner;
  struct ev_loop* loop = owner.p;
  TestLog log;
  floatd::SystemClock clock;  // real processes, real time
  floatd::daemon::SpawnLauncher launcher;
  ProcessRunner runner{loop, log, clock, launcher};

  // Runs one command to its end and returns its result.
  ProcessResult run(std::string_view line, Microseconds timeout = 10s, const std::string& user = "",
                    std::vector<std::string> env = {}) {
    std::optional<ProcessResult> result;
    auto run_as = floatd::track::resolve_identity(user);  // at config load in the daemon
    REQUIRE_MESSAGE(run_as.ok(), (run_as.ok() ? "" : run_as.error()));
    auto id = runner.start(command(line), {*run_as, false}, timeout, std::move(env),
                           [&](const ProcessResult& r) { result = r; });
    REQUIRE_MESSAGE(id.ok(), (id.ok() ? "" : id.error()));
    REQUIRE(run_until(loop, [&] { return result.has_value(); }, 15s));
    return *result;
  }
};

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* dir = opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n;
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// True once `pid` no longer runs (gone, or a zombie waiting for whoever reaps orphans here).
bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_dir() {
  char templ[] = "/tmp/floatd-runner-XXXXXX";
  REQUIRE(mkdtemp(templ) != nullptr);
  return templ;
}

}  // namespace

TEST_CASE("process runner: success, with stdout and stderr in one output") {
  Harness h;
  auto r = h.run("echo hello");
  CHECK(r.outcome == Outcome::kSuccess);
  CHECK(r.exit_status == 0);
  CHECK(r.signal == 0);
  CHECK(r.output == "hello\n");
  CHECK(r.runtime > Microseconds::zero());
  CHECK(r.error.empty());
  CHECK(h.run("echo out; echo err >&2").output == "out\nerr\n");
  CHECK(h.runner.running() == 0);
}

TEST_CASE("process runner: a non-zero exit is a failure") {
  Harness h;
  auto r = h.run("sh -c 'exit 3'");
  CHECK(r.outcome == Outcome::kFailure);
  CHECK(r.exit_status == 3);
  CHECK(r.error == "exited with status 3");
}

TEST_CASE("process runner: killed by a signal is a failure") {
  Harness h;
  auto r = h.run("sh -c 'kill -USR1 $$'");
  CHECK(r.outcome == Outcome::kFailure);
  CHECK(r.signal == SIGUSR1);
  CHECK(r.exit_status == -1);
  CHECK(r.error == "killed by SIGUSR1");
}

TEST_CASE("process runner: timeout sends SIGTERM to the group") {
  Harness h;
  auto r = h.run("sleep 100", 200ms);
  CHECK(r.outcome == Outcome::kTimeout);
  CHECK(r.signal == SIGTERM);
  CHECK(r.runtime >= 200ms);
  CHECK(r.runtime < ProcessRunner::kKillGrace);
  CHECK(r.error == "timed out after 200 ms (SIGTERM)");
}

TEST_CASE("process runner: a script ignoring SIGTERM gets SIGKILL after the grace") {
  Harness h;
  auto r = h.run("trap \"\" TERM; sleep 100", 200ms);
  CHECK(r.outcome == Outcome::kTimeout);
  CHECK(r.signal == SIGKILL);
  CHECK(r.runtime >= 200ms + ProcessRunner::kKillGrace);
  CHECK(r.runtime < 5s);
}

TEST_CASE("process runner: 50 MB of output: first 4 KiB kept, the rest drained") {
  Harness h;
  h.run("true");  // warm up: the first run allocates what every run needs
  const long before = rss_kib();
  const auto started = std::chrono::steady_clock::now();
  auto r = h.run("yes floatd | head -c 52428800", 30s);
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(r.outcome == Outcome::kSuccess);
  CHECK(r.output.size() == floatd::track::kMaxOutput);
  CHECK(r.output.rfind("floatd\nfloatd\n", 0) == 0);
  const long grown = rss_kib() - before;
  CAPTURE(grown);
  CHECK(grown < 4096);  // KiB
}

TEST_CASE("process runner: reported when the child exits, its background grandchild killed") {
  Harness h;
  auto r = h.run("sleep 100 & echo $!", 30s);
  CHECK(r.outcome == Outcome::kSuccess);
  CHECK(r.runtime < 1s);  // not when the grandchild closes the pipe
  const pid_t grandchild = std::atoi(r.output.c_str());
  REQUIRE(grandchild > 1);
  CHECK(run_until(h.loop, [&] { return gone(grandchild); }, 5s));
}

TEST_CASE("process runner: runs as the configured user") {
  Harness h;
  if (geteuid() != 0) {
    MESSAGE("skipped: switching to nobody needs root");
    return;
  }
  CHECK(h.run("id -u", 10s, "nobody").output == "65534\n");
  CHECK(h.run("id -u", 10s, "root").output == "0\n");
  CHECK(h.run("id -u").output == "0\n");
  auto r = floatd::track::resolve_identity("no-such-user-floatd");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "user 'no-such-user-floatd' does not exist");
}

// Defect 4: spawning makes no user lookup (getpwnam_r, getgrouplist: NSS, which sssd or LDAP
// can hang for seconds). The identity resolved at load runs as it is, even one no NSS source
// knows: a uid with no passwd entry, as when the directory became unreachable after load. A
// lookup at spawn would refuse it.
TEST_CASE("process runner: runs the identity resolved at load, with no lookup at spawn (defect 4)") {
  Harness h;
  if (geteuid() != 0) {
    MESSAGE("skipped: switching users needs root");
    return;
  }
  const floatd::track::Identity ghost{"ghost-floatd", true, 4242424, 4242425, {4242425, 4242426}};
  std::optional<ProcessResult> result;
  auto id = h.runner.start(command("id -u; id -G"), {ghost, false}, 10s, {},
                           [&](const ProcessResult& r) { result = r; });
  REQUIRE_MESSAGE(id.ok(), (id.ok() ? "" : id.error()));
  REQUIRE(run_until(h.loop, [&] { return result.has_value(); }, 15s));
  CHECK(result->outcome == floatd::track::Outcome::kSuccess);
  CHECK(result->output == "4242424\n4242425 4242426\n");
}

TEST_CASE("process runner: a scrubbed environment") {
  Harness h;
  setenv("LD_PRELOAD", "/nonexistent/libfloatd-test.so", 1);
  setenv("IFS", ":", 1);
  auto r = h.run("env", 10s, "", {"FLOATD_STATE=MASTER", "FLOATD_NAME=a b"});
  unsetenv("LD_PRELOAD");
  unsetenv("IFS");
  CHECK(r.output == "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nFLOATD_STATE=MASTER\nFLOATD_NAME=a b\n");

  auto refused = h.runner.start(command("env"), {}, 1s, {"LD_PRELOAD=/x.so"}, [](const auto&) {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error() == "refusing to pass LD_PRELOAD to a script");
}

TEST_CASE("process runner: stdin is /dev/null and no daemon descriptor leaks into the script") {
  Harness h;
  CHECK(h.run("cat").output.empty());
  auto r = h.run("ls /proc/self/fd");  // ls's own: 0 1 2 and the directory it reads
  CHECK(r.output == "0\n1\n2\n3\n");
}

TEST_CASE("process runner: what cannot start is an error from start(), not a callback") {
  Harness h;
  const auto dir = temp_dir();
  const auto garbage = dir + "/garbage";
  std::ofstream(garbage) << "not a program\n";
  chmod(garbage.c_str(), 0755);
  const auto fds = open_fds();
  bool called = false;
  const std::vector<std::string> lines{"/nonexistent/floatd-check", "no-such-command-floatd",
                                       garbage};
  for (const auto& line : lines) {
    auto r = h.runner.start(command(line), {}, 1s, {}, [&](const auto&) { called = true; });
    REQUIRE_FALSE(r.ok());
    MESSAGE(r.error());
  }
  auto r = h.runner.start(command(garbage), {}, 1s, {}, [&](const auto&) { called = true; });
  CHECK(r.error() == "exec for " + garbage + ": Exec format error");
  CHECK(h.runner.start(command("no-such-command-floatd"), {}, 1s, {}, {}).error() ==
        "'no-such-command-floatd' not found in /usr/sbin:/usr/bin:/sbin:/bin");
  CHECK_FALSE(called);
  CHECK(h.runner.running() == 0);
  CHECK(open_fds() == fds);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("process runner: cancel kills at once and calls nothing") {
  Harness h;
  const auto dir = temp_dir();
  const auto pid_file = dir + "/pid";
  bool called = false;
  auto id = h.runner.start(command("echo $$ > " + pid_file + "; exec sleep 100"), {}, 30s, {},
                           [&](const auto&) { called = true; });
  REQUIRE(id.ok());
  REQUIRE(run_until(h.loop, [&] { return !read_file(pid_file).empty(); }, 5s));
  const pid_t pid = std::atoi(read_file(pid_file).c_str());
  CHECK(h.runner.running() == 1);
  h.runner.cancel(*id);
  CHECK(h.runner.running() == 0);
  CHECK(run_until(h.loop, [&] { return gone(pid); }, 5s));
  CHECK_FALSE(called);
  h.runner.cancel(*id);  // again: ignored
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("process runner: the destructor kills and reaps what still runs") {
  Loop owner;
  struct ev_loop* loop = owner.p;
  TestLog log;
  floatd::SystemClock clock;
  floatd::daemon::SpawnLauncher launcher;
  const auto dir = temp_dir();
  const auto pid_file = dir + "/pid";
  pid_t pid = -1;
  {
    ProcessRunner runner(loop, log, clock, launcher);
    auto id = runner.start(command("echo $$ > " + pid_file + "; trap '' TERM; sleep 100"), {}, 30s,
                           {}, [](const auto&) { FAIL("no callback from the destructor"); });
    REQUIRE(id.ok());
    REQUIRE(run_until(loop, [&] { return !read_file(pid_file).empty(); }, 5s));
    pid = std::atoi(read_file(pid_file).c_str());
  }
  CHECK(kill(pid, 0) < 0);  // reaped, not even a zombie
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("process runner: 200 scripts, 10 at a time, leak no descriptor") {
  Harness h;
  h.run("true");
  const auto fds = open_fds();
  int started = 0;
  int finished = 0;
  std::function<void()> start_one = [&] {
    ++started;
    auto id = h.runner.start(command(started % 2 ? "true" : "sh -c 'echo x; exit 1'"), {}, 5s, {},
                             [&](const ProcessResult&) {
                               ++finished;
                               if (started < 200) start_one();  // start() from a callback
                             });
    REQUIRE(id.ok());
  };
  for (int i = 0; i < 10; ++i) start_one();
  CHECK(run_until(h.loop, [&] { return finished == 200; }, 60s));
  CHECK(h.runner.running() == 0);
  CHECK(open_fds() == fds);
}

TEST_CASE("process runner: output of any bytes comes back as clean text (issue 10, defect 1)") {
  Harness h;
  auto r = h.run("printf 'caf\\351\\n\\033[31mred\\n'; exit 1");
  CHECK(r.outcome == Outcome::kFailure);
  CHECK(r.output == "caf\\xe9\n\\x1b[31mred\n");
  CHECK(floatd::is_clean_text(r.output, true));
}

namespace {

// A root-owned directory under /tmp with a safe #! script in it, for script security.
struct SecureScript {
  std::string dir = temp_dir();
  std::string path = dir + "/check.sh";
  SecureScript() {
    REQUIRE(chmod(dir.c_str(), 0755) == 0);
    std::ofstream(path) << "#!/bin/sh\necho checked \"$#\"\n";
    REQUIRE(chmod(path.c_str(), 0755) == 0);
  }
  ~SecureScript() { std::system(("rm -rf " + dir).c_str()); }
};

floatd::track::RunAs secure_root() { return {floatd::track::Identity{}, true}; }

}  // namespace

TEST_CASE("script security: checked again at spawn, not only at load (issue 10, defect 10c)") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root for root-owned files");
    return;
  }
  Harness h;
  SecureScript s;
  CHECK(floatd::track::check_script_security(command(s.path), true).ok());  // the load check
  bool called = false;
  auto ok = h.runner.start(command(s.path + " a b"), secure_root(), 5s, {},
                           [&](const ProcessResult& r) {
                             called = true;
                             CHECK(r.output == "checked 2\n");  // a #! script run by descriptor
                           });
  REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? "" : ok.error()));
  REQUIRE(run_until(h.loop, [&] { return called; }));

  REQUIRE(chmod(s.path.c_str(), 0777) == 0);  // after the load check: anyone may now change it
  auto refused = h.runner.start(command(s.path), secure_root(), 5s, {}, [](const auto&) {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error() == s.path + ": " + s.path + " is world-writable");

  REQUIRE(chmod(s.path.c_str(), 0755) == 0);
  REQUIRE(chmod(s.dir.c_str(), 0777) == 0);  // a directory on the way: the file can be swapped
  refused = h.runner.start(command(s.path), secure_root(), 5s, {}, [](const auto&) {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error() == s.path + ": " + s.dir + " is world-writable");
}

TEST_CASE("script security: a shell line is refused at spawn when it runs as root (10b)") {
  Harness h;
  auto root = secure_root();
  if (!root.identity.root()) return;
  auto refused = h.runner.start(command("/usr/bin/true && /bin/sh -c 'exit 0'"), root, 5s, {},
                                [](const auto&) {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("needs /bin/sh") != std::string::npos);
}

TEST_CASE("script security: the descriptor that was checked is the file that runs") {
  if (geteuid() != 0) return;
  SecureScript s;
  auto fd = floatd::track::open_checked_program(s.path);
  REQUIRE(fd.ok());
  const auto other = s.dir + "/other.sh";
  std::ofstream(other) << "#!/bin/sh\necho swapped\n";
  REQUIRE(chmod(other.c_str(), 0755) == 0);
  REQUIRE(rename(other.c_str(), s.path.c_str()) == 0);  // the swap after the check
  struct stat opened {}, now {};
  REQUIRE(fstat(*fd, &opened) == 0);
  REQUIRE(stat(s.path.c_str(), &now) == 0);
  CHECK(opened.st_ino != now.st_ino);  // what spawn() executes is still the checked file
  close(*fd);
}

TEST_CASE("process runner: an orphan handed to floatd as subreaper is reaped, a leader is not") {
  // floatd sets this at start; the test process does so for this case (and keeps it).
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  Harness h;
  // setsid: out of the script's group, so the group kill spares it; it exits on its own.
  auto r = h.run("setsid sh -c 'sleep 0.3' & echo $!", 30s);
  CHECK(r.outcome == floatd::track::Outcome::kSuccess);
  const pid_t orphan = std::atoi(r.output.c_str());
  REQUIRE(orphan > 1);
  // Reaped by the runner's SIGCHLD watcher: not even a zombie is left.
  CHECK(run_until(h.loop, [&] { return kill(orphan, 0) < 0; }, 5s));
  CHECK(h.run("echo still works").output == "still works\n");
}
