// DeferredWork and the callback guard: work queued from a callback runs at the next loop
// iteration even while other watchers are always pending (issue 10, defect 8), and an
// exception in any piece of work is logged and stops there (defect 1: every callback is an
// exception boundary).
#include <ev.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "daemon/callback_guard.hpp"
#include "daemon/deferred_work.hpp"
#include "fake_ports.hpp"

using floatd::daemon::DeferredWork;
using floatd::daemon::guarded;

namespace {

using TestLog = floatd::test::MemoryLog;

// A descriptor that is always readable and a watcher that never drains it: an advert flood.
struct Flood {
  int fds[2] = {-1, -1};
  ev_io watcher{};
  int wakeups = 0;
  explicit Flood(struct ev_loop* loop) {
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "x", 1) == 1);
    ev_io_init(&watcher, [](struct ev_loop*, ev_io* w, int) { ++static_cast<Flood*>(w->data)->wakeups; },
               fds[0], EV_READ);
    watcher.data = this;
    ev_io_start(loop, &watcher);
  }
  void stop(struct ev_loop* loop) {
    ev_io_stop(loop, &watcher);
    close(fds[0]);
    close(fds[1]);
  }
};

}  // namespace

TEST_CASE("deferred work runs during a flood of other events (defect 8)") {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  TestLog log;
  {
    DeferredWork deferred(loop, log);
    Flood flood(loop);
    int ran = 0;
    deferred.defer("test", [&] { ++ran; });
    for (int i = 0; i < 5 && ran == 0; ++i) ev_run(loop, EVRUN_ONCE);
    CHECK(ran == 1);
    CHECK(flood.wakeups >= 1);
    CHECK(deferred.pending() == 0);
    flood.stop(loop);
  }
  ev_loop_destroy(loop);
}

TEST_CASE("deferred work keeps its order; work queued while running waits for the next turn") {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  TestLog log;
  {
    DeferredWork deferred(loop, log);
    std::vector<int> order;
    deferred.defer("a", [&] {
      order.push_back(1);
      deferred.defer("c", [&] { order.push_back(3); });
    });
    deferred.defer("b", [&] { order.push_back(2); });
    deferred.run_now();
    CHECK(order == std::vector<int>{1, 2});
    CHECK(deferred.pending() == 1);
    ev_run(loop, EVRUN_NOWAIT);
    CHECK(order == std::vector<int>{1, 2, 3});
  }
  ev_loop_destroy(loop);
}

TEST_CASE("an exception in deferred work is logged and the rest still runs") {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  TestLog log;
  {
    DeferredWork deferred(loop, log);
    bool second = false;
    deferred.defer("sync group g", [] { throw std::runtime_error("boom"); });
    deferred.defer("tracking", [&] { second = true; });
    deferred.run_now();
    CHECK(second);
    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0] == "sync group g: internal error: boom");
  }
  ev_loop_destroy(loop);
}

TEST_CASE("guarded() stops every exception and then recovers") {
  TestLog log;
  int recovered = 0;
  guarded(log, "timer", [] { throw std::out_of_range("map::at"); }, [&] { ++recovered; });
  guarded(log, "signal", [] { throw 42; }, [&] { ++recovered; });
  guarded(log, "monitor", [] {}, [&] { ++recovered; });
  guarded(log, "twice", [] { throw std::runtime_error("a"); }, [] { throw std::runtime_error("b"); });
  CHECK(recovered == 2);
  REQUIRE(log.lines.size() == 4);
  CHECK(log.lines[0] == "timer: internal error: map::at");
  CHECK(log.lines[1] == "signal: internal error: unknown exception");
  CHECK(log.lines[3] == "twice: internal error: b");
}
