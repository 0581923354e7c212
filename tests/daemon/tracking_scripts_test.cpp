// Tracking with real scripts on libev's default loop: what a script prints is outside text and
// must come out of `status()` as clean UTF-8 that nlohmann::json can dump (issue 10, defect 1:
// a script printing "caf\351" made `floatctl status --json` abort floatd).
#include <doctest/doctest.h>
#include <ev.h>

#include <chrono>
#include <string>

#include "config/config.hpp"
#include "daemon/process_runner.hpp"
#include "daemon/spawn_launcher.hpp"
#include "daemon/runtime_checks.hpp"
#include "daemon/status.hpp"
#include "daemon/tracking.hpp"
#include "floatd/text.hpp"

namespace {

class QuietLog final : public floatd::Log {
 public:
  void write(floatd::LogLevel, std::string_view) override {}
  bool debug_enabled() const override { return false; }
};

}  // namespace

TEST_CASE("tracking: a failing script's non-UTF-8 output gives a clean `last`") {
  struct Loop {  // destroyed last: the runner and tracking stop their watchers first
    struct ev_loop* p = ev_loop_new(EVFLAG_AUTO);
    ~Loop() { ev_loop_destroy(p); }
  } owner;
  struct ev_loop* loop = owner.p;
  QuietLog log;
  floatd::SystemClock clock;  // real processes, real time
  floatd::daemon::SpawnLauncher launcher;
  floatd::daemon::ProcessRunner runner(loop, log, clock, launcher);
  int changes = 0;
  floatd::daemon::Tracking tracking(loop, log, runner,
                                    [&](const auto&) { ++changes; });
  auto config = floatd::config::parse_string(
      "[global]\nscript_user = root\n"
      "[script chk]\nscript = /usr/bin/printf 'caf\\351 is down\\n' && exit 3\ninterval = 60\n"
      "[instance web]\ninterface = eth0\nvirtual_router_id = 51\n"
      "virtual_ipaddress = 10.0.0.100/24\ntrack_script = chk\n",
      "t.conf");
  REQUIRE(config.ok());
  floatd::daemon::ScriptUsers users;
  REQUIRE(floatd::daemon::runtime_checks(*config, &users).empty());
  tracking.set_script_users(users);
  tracking.configure(*config);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (changes == 0 && std::chrono::steady_clock::now() < deadline) ev_run(loop, EVRUN_ONCE);
  REQUIRE(changes == 1);  // fall = 1: the first failure marks it failed

  const auto status = floatd::daemon::tracking_status(tracking.snapshot());
  const std::string last = status["scripts"][0]["last"];
  CHECK(last == "failure: exited with status 3 (output: caf\\xe9 is down)");
  CHECK(floatd::is_clean_text(last));
  CHECK_NOTHROW((void)status.dump());  // the strict handler threw type_error.316 here
}
