// ProcessRunner with a FakeLauncher: the order of its OS calls (a group is never signalled
// after its leader was reaped: issue 10) and the concurrency cap with its FIFO queue. No real
// process; the loop runs for real, with a kill grace of 100 ms.
#include <ev.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "daemon/process_runner.hpp"
#include "fake_launcher.hpp"
#include "fake_ports.hpp"

using floatd::Microseconds;
using floatd::daemon::ProcessRunner;
using floatd::track::Outcome;
using floatd::track::ProcessResult;
using namespace std::chrono_literals;
using Calls = std::vector<std::string>;

namespace {

constexpr int kExit0 = 0;           // waitpid() status: exited 0
constexpr int kKilledTerm = SIGTERM;  // waitpid() status: killed by SIGTERM

struct Rig {
  struct Loop {
    struct ev_loop* p = ev_loop_new(EVFLAG_AUTO);
    ~Loop() { ev_loop_destroy(p); }
  } owner;
  struct ev_loop* loop = owner.p;
  floatd::test::MemoryLog log;
  floatd::FakeClock clock{floatd::MonoTime{}};  // runtimes are not what these cases check
  floatd::test::FakeLauncher launcher;
  std::optional<ProcessRunner> runner;
  std::vector<std::string> done;  // the names of the runs reported, in order

  explicit Rig(std::size_t max_running = 32) {
    runner.emplace(loop, log, clock, launcher, ProcessRunner::Limits{max_running, Microseconds{100'000}});
  }
  ~Rig() { runner.reset(); }

  std::uint64_t start(const std::string& name, Microseconds timeout = 10s) {
    auto cmd = floatd::track::parse_command(name);
    REQUIRE(cmd.ok());
    auto id = runner->start(*cmd, {}, timeout, {},
                            [this, name](const ProcessResult&) { done.push_back(name); });
    REQUIRE(id.ok());
    return *id;
  }

  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
    ev_timer tick;
    ev_timer_init(&tick, [](struct ev_loop*, ev_timer*, int) {}, 0.002, 0.002);
    ev_timer_start(loop, &tick);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &tick);
    return pred();
  }
};

}  // namespace

TEST_CASE("process order: a lingering group is killed before its leader is reaped") {
  Rig r;
  r.start("check");
  const pid_t pid = r.launcher.started.at(0);
  r.launcher.output(pid, "ok\n");
  r.launcher.exit(pid, kExit0);
  REQUIRE(r.run_until([&] { return r.launcher.reaped(pid); }));
  CHECK(r.done == Calls{"check"});
  CHECK(r.launcher.calls_for(pid) ==
        Calls{"spawn", "peek", "signal" /* SIGTERM */, "signal" /* SIGKILL */, "reap"});
  CHECK(r.launcher.calls.back() == "reap " + std::to_string(pid));
  CHECK(r.launcher.violations.empty());
}

TEST_CASE("process order: a timeout signals the group, reaps the leader last") {
  Rig r;
  r.start("slow", 10ms);
  const pid_t pid = r.launcher.started.at(0);
  REQUIRE(r.run_until([&] { return r.launcher.calls.back() == "signal 1000 15"; }));
  r.launcher.exit(pid, kKilledTerm);  // within the grace
  REQUIRE(r.run_until([&] { return r.launcher.reaped(pid); }));
  CHECK(r.launcher.calls_for(pid) == Calls{"spawn", "signal", "peek", "signal", "reap"});
  CHECK(r.launcher.violations.empty());

  // A leader that ignores SIGTERM: SIGKILL while it runs, then once more when it has exited.
  r.start("stubborn", 10ms);
  const pid_t other = r.launcher.started.at(1);
  REQUIRE(r.run_until([&] { return r.launcher.calls.back() == "signal " + std::to_string(other) + " 9"; }));
  CHECK_FALSE(r.launcher.reaped(other));
  r.launcher.exit(other, SIGKILL);
  REQUIRE(r.run_until([&] { return r.launcher.reaped(other); }));
  CHECK(r.launcher.calls_for(other) == Calls{"spawn", "signal", "signal", "peek", "signal", "reap"});
  CHECK(r.launcher.violations.empty());
}

TEST_CASE("process order: cancel and the destructor signal before they reap") {
  Rig r;
  const auto id = r.start("cancelled");
  const pid_t pid = r.launcher.started.at(0);
  r.runner->cancel(id);
  r.launcher.exit(pid, SIGKILL);
  REQUIRE(r.run_until([&] { return r.launcher.reaped(pid); }));
  CHECK(r.launcher.calls_for(pid) == Calls{"spawn", "signal", "peek", "signal", "reap"});

  r.start("left running");
  const pid_t left = r.launcher.started.at(1);
  r.launcher.exit(left, kKilledTerm);  // exits at the destructor's SIGTERM, as it were
  r.runner.reset();
  CHECK(r.launcher.reaped(left));
  CHECK(r.launcher.calls.back() == "reap " + std::to_string(left));
  CHECK(r.launcher.violations.empty());
  CHECK(r.done.empty());
}

TEST_CASE("process cap: at most max_running at once, the rest in FIFO order") {
  Rig r(2);
  for (const char* name : {"a", "b", "c", "d", "e"}) r.start(name);
  CHECK(r.launcher.started.size() == 2);
  CHECK(r.runner->running() == 2);
  CHECK(r.runner->queued() == 3);
  r.launcher.exit(r.launcher.started.at(1), kExit0);  // b: its slot goes to c
  REQUIRE(r.run_until([&] { return r.launcher.started.size() == 3; }));
  CHECK(r.launcher.calls_for(r.launcher.started.at(2)).front() == "spawn");
  r.launcher.exit(r.launcher.started.at(0), kExit0);  // a: d
  r.launcher.exit(r.launcher.started.at(2), kExit0);  // c: e
  REQUIRE(r.run_until([&] { return r.launcher.started.size() == 5; }));
  Calls spawned;
  for (const auto& c : r.launcher.calls) {
    if (c.rfind("spawn ", 0) == 0) spawned.push_back(c.substr(c.rfind(' ') + 1));
  }
  CHECK(spawned == Calls{"a", "b", "c", "d", "e"});
  CHECK(r.runner->queued() == 0);
  const auto capped = std::count_if(r.log.lines.begin(), r.log.lines.end(), [](const auto& l) {
    return l.find("max_running_scripts") != std::string::npos;
  });
  CHECK(capped == 1);  // rate-limited: once, not once per queued start
}

TEST_CASE("process cap: a queued run's timeout starts when it starts; a timeout frees a slot") {
  Rig r(1);
  r.start("first", 30ms);
  r.start("second", 30ms);
  CHECK(r.launcher.started.size() == 1);
  REQUIRE(r.run_until([&] { return r.launcher.calls.back() == "signal 1000 15"; }));
  r.launcher.exit(1000, kKilledTerm);  // timed out: the slot goes to the second
  REQUIRE(r.run_until([&] { return r.launcher.started.size() == 2; }));
  const auto spawned = std::chrono::steady_clock::now();
  REQUIRE(r.run_until([&] { return r.launcher.calls.back() == "signal 1001 15"; }));
  CHECK(std::chrono::steady_clock::now() - spawned >= 30ms);  // not counted while queued
  r.launcher.exit(1001, kKilledTerm);
  REQUIRE(r.run_until([&] { return r.done.size() == 2; }));
  CHECK(r.done == Calls{"first", "second"});
}

TEST_CASE("process cap: cancel while queued drops the run; a failed start is reported") {
  Rig r(1);
  r.start("running");
  const auto queued = r.start("queued");
  r.start("after");
  r.runner->cancel(queued);
  CHECK(r.runner->queued() == 1);
  r.launcher.fail_spawn = true;  // "after" cannot start when its turn comes
  std::optional<ProcessResult> failed;
  auto cmd = floatd::track::parse_command("late");
  REQUIRE(cmd.ok());
  REQUIRE(r.runner->start(*cmd, {}, 1s, {}, [&](const ProcessResult& res) { failed = res; }).ok());
  r.launcher.exit(1000, kExit0);
  REQUIRE(r.run_until([&] { return failed.has_value(); }));
  CHECK(failed->outcome == Outcome::kSpawnError);
  CHECK(r.done == Calls{"running", "after"});  // "after" reported its spawn error too
  CHECK(r.launcher.started.size() == 1);  // "queued" never started
  CHECK(r.runner->queued() == 0);
}
