// The loop meter (issue 15): batches of event-loop work timed on the daemon's clock. A fake
// clock that callbacks move on stands for work that takes time, on a real private libev loop.
#include <doctest/doctest.h>
#include <ev.h>

#include <string>
#include <vector>

#include "daemon/loop_meter.hpp"
#include "fake_ports.hpp"

using namespace floatd;  // NOLINT
using daemon::LoopMeter;
using daemon::LoopTurns;

TEST_CASE("loop turns: only batches over 5 ms are slow; a new longest is worth a line") {
  LoopTurns t;
  CHECK_FALSE(t.record(Microseconds{4000}));
  CHECK_FALSE(t.record(Microseconds{5000}));  // 5 ms is the bound, not over it
  CHECK(t.record(Microseconds{7000}));
  CHECK_FALSE(t.record(Microseconds{6000}));  // slow, but not the longest
  CHECK(t.record(Microseconds{9000}));
  CHECK(t.stats().batches == 5);
  CHECK(t.stats().slow == 3);
  CHECK(t.stats().longest == Microseconds{9000});
}

namespace {

// An idle watcher whose callback "takes" cost[i] on the fake clock at its i-th call.
struct Work {
  ev_idle idle{};
  FakeClock* clock = nullptr;
  std::vector<Microseconds> costs;
  std::size_t next = 0;
  static void cb(struct ev_loop* loop, ev_idle* w, int) noexcept {
    auto* self = static_cast<Work*>(w->data);
    self->clock->advance(self->costs[self->next++]);
    if (self->next == self->costs.size()) ev_idle_stop(loop, w);
  }
};

}  // namespace

TEST_CASE("loop meter: times each batch of callbacks on the daemon's clock, logs a new longest") {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  REQUIRE(loop != nullptr);
  FakeClock clock;
  test::MemoryLog log;
  {
    LoopMeter meter(loop, clock, log);
    Work work;
    work.clock = &clock;
    work.costs = {Microseconds{1000}, Microseconds{30000}, Microseconds{2000}, Microseconds{40000}};
    ev_idle_init(&work.idle, Work::cb);
    work.idle.data = &work;
    ev_idle_start(loop, &work.idle);
    for (int i = 0; i < 4; ++i) ev_run(loop, EVRUN_NOWAIT);
    CHECK(meter.stats().slow == 2);
    CHECK(meter.stats().longest == Microseconds{40000});
    // One line for the 30 ms batch; the 40 ms one came within ten seconds of it.
    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0].find("30.0 ms") != std::string::npos);
    clock.advance(std::chrono::seconds{11});
    work.costs = {Microseconds{50000}};
    work.next = 0;
    ev_idle_start(loop, &work.idle);
    ev_run(loop, EVRUN_NOWAIT);
    REQUIRE(log.lines.size() == 2);
    CHECK(log.lines[1].find("50.0 ms") != std::string::npos);
    CHECK(log.lines[1].find("3 batches over 5 ms") != std::string::npos);
  }
  // Gone: the loop runs its callbacks itself again.
  int ran = 0;
  ev_idle plain{};
  plain.data = &ran;
  ev_idle_init(&plain, [](struct ev_loop* l, ev_idle* w, int) noexcept {
    ++*static_cast<int*>(w->data);
    ev_idle_stop(l, w);
  });
  ev_idle_start(loop, &plain);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(ran == 1);
  ev_loop_destroy(loop);
}
