// PathWatch (vrrp/path_watch.hpp) with a fake clock: when a Backup's heartbeat path is raised
// as silent or down, and when it is not (issue 11).
#include <doctest/doctest.h>

#include "vrrp/path_watch.hpp"

using namespace floatd;        // NOLINT
using namespace floatd::vrrp;  // NOLINT
using std::chrono::milliseconds;

namespace {

const IpAddress kMaster = *IpAddress::parse("10.0.0.1");
const IpAddress kMasterOnCable = *IpAddress::parse("10.9.0.1");
constexpr Microseconds kLimit{3'610'000};  // Master_Down_Interval at 1 s, priority 100

struct Harness {
  FakeClock clock;
  PathWatch watch{{"eth0", "eth1"}};
  std::vector<PathChange> changes;

  Harness() {
    watch.set_link(0, std::nullopt, clock.now(), changes);
    watch.set_link(1, std::nullopt, clock.now(), changes);
    watch.set_watching(true, clock.now(), changes);
    changes.clear();
  }
  void heard(std::size_t path) {
    watch.heard(path, path == 0 ? kMaster : kMasterOnCable, clock.now(), changes);
  }
  void advance(Microseconds d) {
    clock.advance(d);
    watch.tick(clock.now(), kLimit, changes);
  }
  // One second of adverts on the given paths.
  void second(bool on0, bool on1) {
    clock.advance(milliseconds(1000));
    if (on0) heard(0);
    if (on1) heard(1);
    watch.tick(clock.now(), kLimit, changes);
  }
};

}  // namespace

TEST_CASE("PathWatch: both paths hear the Master: nothing raised, the deadline follows the quieter") {
  Harness h;
  for (int i = 0; i < 10; ++i) h.second(true, true);
  CHECK(h.changes.empty());
  CHECK(h.watch.paths()[0].state == PathState::kOk);
  CHECK(h.watch.paths()[1].state == PathState::kOk);
  // Heard at the same instant, neither can be silent while the other hears: no deadline.
  CHECK_FALSE(h.watch.next_deadline(kLimit));
  // The cable's copy of the same advert arrives 1 ms later: still no deadline (the copies of
  // one advert prove nothing about the other path).
  const MonoTime lan = h.clock.now();
  h.clock.advance(milliseconds(1));
  h.heard(1);
  CHECK_FALSE(h.watch.next_deadline(kLimit));
  // The next advert reaches only the cable: the LAN is judged at its own limit, no earlier.
  h.clock.advance(milliseconds(999));
  h.heard(1);
  REQUIRE(h.watch.next_deadline(kLimit));
  CHECK(*h.watch.next_deadline(kLimit) == lan + kLimit);
  h.advance(kLimit - milliseconds(1001));
  CHECK(h.changes.empty());
}

TEST_CASE("PathWatch: the Master dies after an advert whose copies came apart: nothing raised") {
  // t_heartbeat_failover: eth0's copy, then eth1's 40 us later, then silence. Neither path
  // heard anything the other did not, so the machine takes over with no path alarm.
  Harness h;
  h.second(true, true);
  h.clock.advance(milliseconds(1000));
  h.heard(0);
  h.clock.advance(Microseconds(40));
  h.heard(1);
  CHECK_FALSE(h.watch.next_deadline(kLimit));
  h.advance(kLimit);
  CHECK(h.changes.empty());
  // And the other order.
  h.watch.set_watching(false, h.clock.now(), h.changes);
  h.watch.set_watching(true, h.clock.now(), h.changes);
  h.changes.clear();
  h.heard(1);
  h.clock.advance(Microseconds(40));
  h.heard(0);
  h.advance(kLimit);
  CHECK(h.changes.empty());
}

TEST_CASE("PathWatch: the LAN is cut, the cable still hears: eth0 silent at the limit") {
  Harness h;
  h.second(true, true);
  const MonoTime last_on_lan = h.clock.now();
  for (int i = 0; i < 3; ++i) h.second(false, true);
  CHECK(h.changes.empty());  // 3 s < 3.61 s
  REQUIRE(h.watch.next_deadline(kLimit));
  CHECK(*h.watch.next_deadline(kLimit) == last_on_lan + kLimit);
  h.second(false, true);
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].path == 0);
  CHECK(h.changes[0].to == PathState::kSilent);
  CHECK(h.changes[0].alarm());
  CHECK(h.changes[0].reason.find("eth0: no adverts from 10.0.0.1 for") == 0);
  CHECK(h.changes[0].reason.find("while eth1 hears it") != std::string::npos);
  CHECK(h.changes[0].reason.find("not taking over") != std::string::npos);
  CHECK(h.watch.paths()[0].alarm == h.changes[0].reason);

  h.changes.clear();
  h.second(true, true);  // healed
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].to == PathState::kOk);
  CHECK_FALSE(h.changes[0].alarm());
  CHECK(h.changes[0].reason == "eth0: hears 10.0.0.1 again");
}

TEST_CASE("PathWatch: every path quiet (the Master died): nothing raised, the machine takes over") {
  Harness h;
  h.second(true, true);
  h.advance(kLimit);
  h.advance(kLimit);
  CHECK(h.changes.empty());
  CHECK_FALSE(h.watch.next_deadline(kLimit));
}

TEST_CASE("PathWatch: a late tick judges on the deadline, not on now (no spin, no miss)") {
  Harness h;
  h.second(true, true);
  for (int i = 0; i < 3; ++i) h.second(false, true);
  // The wake-up comes 2 s late: eth1 last heard 3 s before now, so judged on `now` nobody
  // would hear any more; at the deadline eth1 did.
  h.advance(milliseconds(2000));
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].path == 0);
  CHECK_FALSE(h.watch.next_deadline(kLimit));
}

TEST_CASE("PathWatch: becoming Master clears the alarm and stops watching") {
  Harness h;
  h.second(true, true);
  for (int i = 0; i < 4; ++i) h.second(false, true);
  REQUIRE(h.watch.paths()[0].state == PathState::kSilent);
  h.changes.clear();
  h.watch.set_watching(false, h.clock.now(), h.changes);
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].to == PathState::kIdle);
  CHECK_FALSE(h.changes[0].alarm());
  CHECK_FALSE(h.watch.next_deadline(kLimit));
  h.changes.clear();
  h.advance(kLimit * 3);
  CHECK(h.changes.empty());
}

TEST_CASE("PathWatch: a path whose link goes down is raised at once, whatever the role") {
  Harness h;
  h.watch.set_watching(false, h.clock.now(), h.changes);
  h.watch.set_link(1, "link eth1 has no carrier", h.clock.now(), h.changes);
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].to == PathState::kDown);
  CHECK(h.changes[0].reason == "eth1: link eth1 has no carrier");
  h.changes.clear();
  h.watch.set_link(1, "link eth1 has no carrier", h.clock.now(), h.changes);  // no repeat
  CHECK(h.changes.empty());
  h.watch.set_link(1, std::nullopt, h.clock.now(), h.changes);
  REQUIRE(h.changes.size() == 1);
  CHECK(h.changes[0].to == PathState::kIdle);
}

TEST_CASE("PathWatch: a Backup that just began gives each path the full limit") {
  Harness h;
  h.watch.set_watching(false, h.clock.now(), h.changes);
  h.clock.advance(milliseconds(500));
  h.watch.set_watching(true, h.clock.now(), h.changes);
  const MonoTime began = h.clock.now();
  h.changes.clear();
  h.second(false, true);
  h.second(false, true);
  h.second(false, true);
  CHECK(h.changes.empty());
  REQUIRE(h.watch.next_deadline(kLimit));
  CHECK(*h.watch.next_deadline(kLimit) == began + kLimit);
}
