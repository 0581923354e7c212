// The VRRP state machine with a fake clock: every event of RFC 5798 §6 with RFC 9568's
// clarifications. IDs are rows of ../shared/rfc-checklist.md.
#include <doctest/doctest.h>

#include <optional>

#include "vrrp/state_machine.hpp"

using namespace floatd;        // NOLINT
using namespace floatd::vrrp;  // NOLINT
using std::chrono::milliseconds;
using std::chrono::microseconds;

namespace {

const IpAddress kUs = *IpAddress::parse("192.168.100.2");
const IpAddress kLowerAddr = *IpAddress::parse("192.168.100.1");
const IpAddress kHigherAddr = *IpAddress::parse("192.168.100.3");

template <typename T>
int count_of(const std::vector<Action>& actions) {
  int n = 0;
  for (const auto& a : actions) n += std::holds_alternative<T>(a) ? 1 : 0;
  return n;
}

template <typename T>
std::optional<T> first(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    if (const auto* p = std::get_if<T>(&a)) return *p;
  }
  return std::nullopt;
}

struct Harness {
  FakeClock clock;
  StateMachine sm;

  explicit Harness(Params p) : sm(p) { sm.set_primary_address(kUs); }

  std::vector<Action> send(const Event& e) { return sm.handle(e, clock.now()); }
  std::vector<Action> advert(Priority prio, const IpAddress& src = kHigherAddr,
                             Centiseconds interval = Centiseconds{100}) {
    return send(AdvertReceived{prio, interval, src});
  }
  // Moves the clock to `t` and runs the timers due then.
  std::vector<Action> tick_at(MonoTime t) {
    clock.set(t);
    return sm.on_tick(t);
  }
  std::vector<Action> advance(Microseconds d) { return tick_at(clock.now() + d); }
  // Runs time forward to the next deadline.
  std::vector<Action> fire() { return tick_at(*sm.next_deadline()); }
};

Params backup_params(Priority prio = 100) {
  Params p;
  p.priority = prio;
  return p;
}

Harness started_backup(Params p = backup_params()) {
  Harness h(p);
  h.send(Startup{});
  return h;
}

Harness started_master(Params p = backup_params()) {
  Harness h = started_backup(p);
  h.fire();  // no master heard: Master_Down_Timer
  return h;
}

}  // namespace

TEST_CASE("startup with priority 255 goes Master at once") {  // covers: SM-1, MODE-2
  Harness h(backup_params(255));
  auto out = h.send(Startup{});
  CHECK(h.sm.state() == State::kMaster);
  REQUIRE(first<StateChanged>(out));
  CHECK(first<StateChanged>(out)->reason == Reason::kOwnerStartup);
  CHECK(first<SendAdvert>(out)->priority == 255);
  CHECK(count_of<AddVips>(out) == 1);
  CHECK(first<Announce>(out)->count == 5);
  CHECK(*h.sm.next_deadline() == h.clock.now() + milliseconds{1000});  // Adver_Timer
}

TEST_CASE("startup below 255 goes Backup and arms Master_Down_Interval") {  // covers: SM-2, TMR-2
  Harness h(backup_params(100));
  auto out = h.send(Startup{});
  CHECK(h.sm.state() == State::kBackup);
  CHECK(count_of<SendAdvert>(out) == 0);
  CHECK(count_of<AddVips>(out) == 0);
  CHECK(*h.sm.next_deadline() == h.clock.now() + Microseconds{3'609'375});
}

TEST_CASE("state = MASTER hint goes Master at startup") {
  Params p = backup_params(100);
  p.start_as_master = true;
  Harness h(p);
  auto out = h.send(Startup{});
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<StateChanged>(out)->reason == Reason::kStartAsMaster);
}

TEST_CASE("Initialize ignores adverts") {  // covers: SM-3
  Harness h(backup_params());
  CHECK(h.advert(200).empty());
  CHECK(h.sm.state() == State::kInit);
  CHECK_FALSE(h.sm.next_deadline());
}

TEST_CASE("Backup shutdown goes to Initialize without an advert") {  // covers: SM-4
  Harness h = started_backup();
  auto out = h.send(Shutdown{});
  CHECK(h.sm.state() == State::kInit);
  CHECK(count_of<SendAdvert>(out) == 0);
  CHECK_FALSE(h.sm.next_deadline());
}

TEST_CASE("Master_Down_Timer makes a Backup Master, not a microsecond early") {  // covers: SM-5
  Harness h = started_backup();
  const MonoTime deadline = *h.sm.next_deadline();
  CHECK(h.tick_at(deadline - Microseconds{1}).empty());
  CHECK(h.sm.state() == State::kBackup);
  auto out = h.tick_at(deadline);
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<StateChanged>(out)->reason == Reason::kMasterDown);
  CHECK(first<SendAdvert>(out)->priority == 100);
  CHECK(count_of<AddVips>(out) == 1);
  CHECK(count_of<Announce>(out) == 1);
}

TEST_CASE("a priority-0 advert makes the Backup wait only Skew_Time") {  // covers: SM-6, TMR-6
  Harness h = started_backup();
  h.advance(milliseconds{500});
  h.advert(0);
  CHECK(*h.sm.next_deadline() == h.clock.now() + Microseconds{609'375});
  auto out = h.fire();
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<StateChanged>(out)->reason == Reason::kResignReceived);
}

TEST_CASE("a higher advert resets the Master_Down_Timer") {  // covers: SM-7
  Harness h = started_backup();
  h.advance(milliseconds{3000});
  h.advert(150);
  CHECK(*h.sm.next_deadline() == h.clock.now() + Microseconds{3'609'375});
  CHECK(h.sm.master_address() == kHigherAddr);
  h.advance(milliseconds{3000});
  CHECK(h.sm.state() == State::kBackup);
}

TEST_CASE("v3 Backup learns the master's interval and recomputes Skew_Time") {  // covers: SM-7, ERR-2, TMR-3
  Harness h = started_backup();
  h.advert(150, kHigherAddr, Centiseconds{10});
  CHECK(h.sm.master_adver_interval() == Centiseconds{10});
  CHECK(h.sm.skew_time() == Microseconds{60'937});
  CHECK(*h.sm.next_deadline() == h.clock.now() + Microseconds{360'937});
}

TEST_CASE("v2 Backup never learns the interval") {  // covers: TMR-4
  Params p = backup_params();
  p.version = Version::kV2;
  Harness h = started_backup(p);
  h.advert(150, kHigherAddr, Centiseconds{200});
  CHECK(h.sm.master_adver_interval() == Centiseconds{100});
}

TEST_CASE("RFC preempt: a lower advert is discarded and the timer runs out") {  // covers: SM-8, ERR-3
  Params p = backup_params(150);
  p.fast_preempt = false;
  Harness h = started_backup(p);
  const MonoTime deadline = *h.sm.next_deadline();
  h.advance(milliseconds{1000});
  h.advert(100, kLowerAddr);
  CHECK(*h.sm.next_deadline() == deadline);  // not reset
  h.tick_at(deadline);
  CHECK(h.sm.state() == State::kMaster);
}

TEST_CASE("fast preempt: a lower advert caps the down timer at Skew_Time") {  // covers: SM-8, TMR-6
  Harness h = started_backup(backup_params(150));
  h.advance(milliseconds{1000});
  h.advert(100, kLowerAddr);  // still discarded: no interval learned, master not accepted
  CHECK(*h.sm.next_deadline() == h.clock.now() + h.sm.skew_time());
  h.advance(milliseconds{100});
  h.advert(100, kLowerAddr);  // a second one does not push it back
  auto out = h.fire();
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<StateChanged>(out)->reason == Reason::kPreempt);
}

TEST_CASE("fast preempt: the highest of two backups wins the race") {  // covers: TMR-9
  Harness high = started_backup(backup_params(200));
  Harness mid = started_backup(backup_params(150));
  high.advert(100, kLowerAddr);
  mid.advert(100, kLowerAddr);
  CHECK(*high.sm.next_deadline() < *mid.sm.next_deadline());
}

TEST_CASE("preempt = no: a lower advert still resets the timer") {  // covers: SM-7
  Params p = backup_params(150);
  p.preempt = false;
  Harness h = started_backup(p);
  h.advance(milliseconds{1000});
  h.advert(100, kLowerAddr);
  CHECK(*h.sm.next_deadline() == h.clock.now() + h.sm.master_down_interval());
  h.advance(milliseconds{3000});
  CHECK(h.sm.state() == State::kBackup);
}

TEST_CASE("equal priority in Backup is accepted whatever the address") {  // covers: SM-7
  Harness h = started_backup(backup_params(100));
  h.advance(milliseconds{1000});
  h.advert(100, kLowerAddr);
  CHECK(*h.sm.next_deadline() == h.clock.now() + h.sm.master_down_interval());
}

TEST_CASE("preempt_delay keeps a lower master until the delay ends") {  // covers: TMR-10
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{1000};
  Harness h = started_backup(p);
  h.advance(milliseconds{500});
  h.advert(100, kLowerAddr);
  const MonoTime preempt_at = h.clock.now() + milliseconds{10'000};
  for (int i = 0; i < 9; ++i) {  // the lower master keeps advertising every second
    h.advance(milliseconds{1000});
    h.advert(100, kLowerAddr);
    CHECK(h.sm.state() == State::kBackup);
  }
  CHECK(*h.sm.next_deadline() == preempt_at);
  auto out = h.fire();
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<StateChanged>(out)->reason == Reason::kPreemptDelay);
}

TEST_CASE("preempt_delay is cancelled by a higher advert") {  // covers: TMR-10
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{300};
  Harness h = started_backup(p);
  h.advert(100, kLowerAddr);
  h.advance(milliseconds{1000});
  h.advert(200, kHigherAddr);
  h.advance(milliseconds{2500});
  CHECK(h.sm.state() == State::kBackup);
}

// A preemption (SM-8) holds only while its condition does: a pending preempt_delay, or the fast
// path's down timer cut to Skew_Time, goes when our priority falls to the master's or below,
// or preemption stops being allowed. The master lives: its last advert counts as accepted then
// (SM-7), so the down timer runs from it.
// covers: SM-8, SM-14, TMR-10
TEST_CASE("preempt_delay is cancelled when our priority falls below the master's") {
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{300};
  Harness h = started_backup(p);
  h.advance(milliseconds{500});
  h.advert(100, kLowerAddr);
  const MonoTime preempt_at = h.clock.now() + milliseconds{3000};
  h.advance(milliseconds{1000});
  h.advert(100, kLowerAddr);
  h.advance(milliseconds{1000});
  const MonoTime heard = h.clock.now();
  h.advert(100, kLowerAddr);
  h.advance(milliseconds{500});
  h.send(PriorityChanged{90});  // a tracker failed: the lower master is now the better one
  CHECK(h.sm.next_deadline() == heard + h.sm.master_down_interval());
  h.tick_at(preempt_at);  // its next advert is late, as on a busy link
  CHECK(h.sm.state() == State::kBackup);
  CHECK(h.sm.master_address() == kLowerAddr);
}

// covers: SM-8, SM-14, TMR-10
TEST_CASE("preempt_delay is cancelled when our priority falls to the master's") {
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{100};
  Harness h = started_backup(p);
  h.advert(100, kLowerAddr);
  h.advance(milliseconds{500});
  h.send(PriorityChanged{100});  // equal: the master's advert would be accepted (SM-7)
  h.advance(milliseconds{500});
  CHECK(h.sm.state() == State::kBackup);
}

// covers: SM-8, SM-14, TMR-6
TEST_CASE("fast preempt is called off when our priority falls below the master's") {
  Harness h = started_backup(backup_params(150));
  h.advance(milliseconds{1000});
  const MonoTime heard = h.clock.now();
  h.advert(100, kLowerAddr);  // down timer cut to Skew_Time
  h.advance(milliseconds{100});
  h.send(PriorityChanged{90});
  CHECK(h.sm.next_deadline() == heard + h.sm.master_down_interval());
  h.advance(h.sm.skew_time());
  CHECK(h.sm.state() == State::kBackup);
  h.advance(milliseconds{900});
  h.advert(100, kLowerAddr);  // the master goes on: accepted now
  CHECK(h.sm.next_deadline() == h.clock.now() + h.sm.master_down_interval());
}

// covers: SM-8, TMR-10
TEST_CASE("preempt_delay is cancelled when a reload turns preemption off") {
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{100};
  Harness h = started_backup(p);
  h.advert(100, kLowerAddr);
  h.advance(milliseconds{500});
  p.preempt = false;
  h.sm.reconfigure(p, h.clock.now());
  h.advance(milliseconds{500});
  CHECK(h.sm.state() == State::kBackup);
}

// covers: SM-8, TMR-10
TEST_CASE("preempt_delay is cancelled by maintenance and stays cancelled after it") {
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{100};
  Harness h = started_backup(p);
  h.advert(100, kLowerAddr);
  h.send(SetMaintenance{true});
  h.send(SetMaintenance{false});
  h.advance(milliseconds{1000});
  CHECK(h.sm.state() == State::kBackup);  // the master's next advert may arm it again
  h.advert(100, kLowerAddr);
  h.advance(milliseconds{1000});
  CHECK(h.sm.state() == State::kMaster);
}

// Our priority rising keeps it; a preemption still allowed is kept.
// covers: SM-8, TMR-10
TEST_CASE("preempt_delay stays armed while our priority stays above the master's") {
  Params p = backup_params(150);
  p.preempt_delay = Centiseconds{100};
  Harness h = started_backup(p);
  h.advert(100, kLowerAddr);
  const MonoTime preempt_at = h.clock.now() + milliseconds{1000};
  h.send(PriorityChanged{120});
  CHECK(*h.sm.next_deadline() == preempt_at);
  h.tick_at(preempt_at);
  CHECK(h.sm.state() == State::kMaster);
}

TEST_CASE("Master shutdown sends priority 0 and removes the VIPs") {  // covers: SM-9, PKT-14
  Harness h = started_master();
  auto out = h.send(Shutdown{});
  CHECK(h.sm.state() == State::kInit);
  REQUIRE(first<SendAdvert>(out));
  CHECK(first<SendAdvert>(out)->priority == 0);
  CHECK(count_of<RemoveVips>(out) == 1);
  CHECK_FALSE(h.sm.next_deadline());
}

TEST_CASE("Adver_Timer: the Master advertises at its own interval") {  // covers: SM-10, TMR-5
  Params p = backup_params();
  p.advert_interval = Centiseconds{10};
  p.announce.delay = Centiseconds{0};
  Harness h = started_master(p);
  for (int i = 0; i < 5; ++i) {
    auto out = h.fire();
    CHECK(first<SendAdvert>(out)->priority == 100);
  }
  CHECK(*h.sm.next_deadline() == h.clock.now() + milliseconds{100});
}

TEST_CASE("Master answers a priority-0 advert at once") {  // covers: SM-11
  Harness h = started_master();
  h.advance(milliseconds{300});
  auto out = h.advert(0, kLowerAddr);
  CHECK(first<SendAdvert>(out)->priority == 100);
  CHECK(h.sm.state() == State::kMaster);
  CHECK(count_of<Announce>(out) == 1);  // another router had been master: re-announce
  CHECK(count_of<Announce>(h.advert(0, kLowerAddr)) == 0);  // rate-limited
}

TEST_CASE("split brain healed in either order: the winner re-announces") {  // covers: SM-11, SM-12
  // Both are Master after a partition. The loser hears the winner first: it yields and
  // resigns; the winner hears the resignation and re-announces, so clients follow it.
  Harness winner = started_master(backup_params(150));
  Harness loser = started_master(backup_params(100));
  auto yielded = loser.advert(150, kHigherAddr);
  CHECK(loser.sm.state() == State::kBackup);
  const auto resign = first<SendAdvert>(yielded);
  REQUIRE(resign);
  auto answered = winner.advert(resign->priority, kLowerAddr);
  CHECK(winner.sm.state() == State::kMaster);
  CHECK(count_of<Announce>(answered) == 1);
}

TEST_CASE("Master yields to a higher priority and learns its interval") {  // covers: SM-12
  Harness h = started_master();
  auto out = h.advert(200, kLowerAddr, Centiseconds{50});
  CHECK(h.sm.state() == State::kBackup);
  CHECK(first<StateChanged>(out)->reason == Reason::kHigherPriority);
  CHECK(count_of<RemoveVips>(out) == 1);
  REQUIRE(count_of<SendAdvert>(out) == 1);  // resigning as it goes: see the split-brain case
  CHECK(first<SendAdvert>(out)->priority == 0);
  CHECK(h.sm.master_adver_interval() == Centiseconds{50});
  CHECK(*h.sm.next_deadline() == h.clock.now() + h.sm.master_down_interval());
  CHECK(h.sm.master_address() == kLowerAddr);
}

TEST_CASE("Master yields to equal priority from a higher address") {  // covers: SM-12, ERR-4, RX-16
  Harness h = started_master();
  h.advert(100, kHigherAddr);
  CHECK(h.sm.state() == State::kBackup);
}

TEST_CASE("Master keeps its role against equal priority from a lower address") {  // covers: SM-13, ERR-4
  Harness h = started_master();
  auto out = h.advert(100, kLowerAddr);
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<SendAdvert>(out)->priority == 100);
}

TEST_CASE("tie-break compares addresses as unsigned network-order bytes") {  // covers: ERR-4
  Harness h(backup_params());
  h.sm.set_primary_address(*IpAddress::parse("10.0.0.200"));
  h.send(Startup{});
  h.fire();
  h.advert(100, *IpAddress::parse("10.0.1.2"));  // 10.0.1.2 > 10.0.0.200 as bytes
  CHECK(h.sm.state() == State::kBackup);
}

TEST_CASE("Master answers a lower priority with an advert and re-announces, rate-limited") {  // covers: SM-13, ERR-5
  Harness h = started_master(backup_params(150));
  auto out = h.advert(100, kLowerAddr);
  CHECK(first<SendAdvert>(out)->priority == 150);
  CHECK(first<Announce>(out)->count == 5);
  out = h.advert(100, kLowerAddr);
  CHECK(count_of<SendAdvert>(out) == 1);
  CHECK(count_of<Announce>(out) == 0);  // not again within three intervals (1 s at 1 s)
  h.clock.advance(milliseconds{999});
  CHECK(count_of<Announce>(h.advert(100, kLowerAddr)) == 0);
  h.clock.advance(milliseconds{1});
  out = h.advert(100, kLowerAddr);
  CHECK(count_of<Announce>(out) == 1);
}

TEST_CASE("re-announce limit: three advert intervals, between 100 ms and 1 s") {  // covers: SM-13
  for (auto [interval_cs, gap_ms] : {std::pair{10, 300}, std::pair{1, 100}, std::pair{100, 1000}}) {
    CAPTURE(interval_cs);
    auto p = backup_params(150);
    p.advert_interval = Centiseconds{interval_cs};
    Harness h = started_master(p);
    CHECK(count_of<Announce>(h.advert(100, kLowerAddr)) == 1);
    h.clock.advance(milliseconds{gap_ms - 1});
    CHECK(count_of<Announce>(h.advert(100, kLowerAddr)) == 0);
    h.clock.advance(milliseconds{1});
    CHECK(count_of<Announce>(h.advert(100, kLowerAddr)) == 1);
  }
}

TEST_CASE("reassert_on_lower = false follows RFC 5798: discard silently") {  // covers: SM-13
  Params p = backup_params(150);
  p.reassert_on_lower = false;
  Harness h = started_master(p);
  const auto out = h.advert(100, kLowerAddr);
  CHECK(count_of<SendAdvert>(out) == 0);  // nothing on the wire
  CHECK(count_of<Announce>(out) == 0);
  CHECK(count_of<HeardLowerMaster>(out) == 1);  // the daemon's hook still hears of it
}

// keepalived's notify_master_rx_lower_pri (issue 12): the daemon hears of a lower Master once
// per Master_Down_Interval however many of its adverts come, and again on each new term.
TEST_CASE("Master tells of a lower Master once per Master_Down_Interval") {  // covers: SM-13
  Harness h = started_master(backup_params(150));
  auto out = h.advert(100, kLowerAddr);
  REQUIRE(count_of<HeardLowerMaster>(out) == 1);
  CHECK(first<HeardLowerMaster>(out)->source == kLowerAddr);
  CHECK(first<HeardLowerMaster>(out)->priority == 100);
  const auto mdi = h.sm.master_down_interval();
  h.clock.advance(mdi - microseconds{1});
  CHECK(count_of<HeardLowerMaster>(h.advert(100, kLowerAddr)) == 0);
  h.clock.advance(microseconds{1});
  CHECK(count_of<HeardLowerMaster>(h.advert(120, kLowerAddr)) == 1);
  CHECK(count_of<HeardLowerMaster>(h.advert(0, kLowerAddr)) == 0);  // a resignation is not one
  CHECK(count_of<HeardLowerMaster>(h.advert(200, kLowerAddr)) == 0);  // a higher one: Backup
  REQUIRE(h.sm.state() == State::kBackup);
}

TEST_CASE("comparisons use the effective priority") {  // covers: SM-14
  Harness h = started_master(backup_params(150));
  h.send(PriorityChanged{90});
  CHECK(h.sm.effective_priority() == 90);
  h.advert(100, kLowerAddr);
  CHECK(h.sm.state() == State::kBackup);
}

TEST_CASE("next adverts carry the effective priority") {  // covers: SM-14, PKT-14
  Harness h = started_master(backup_params(150));
  h.send(PriorityChanged{120});
  auto out = h.fire();
  CHECK(first<SendAdvert>(out)->priority == 120);
}

TEST_CASE("an owner's priority is never adjusted; others stay within 1..254") {  // covers: MODE-8
  Harness owner(backup_params(255));
  owner.send(PriorityChanged{100});
  CHECK(owner.sm.effective_priority() == 255);
  Harness h(backup_params(100));
  h.send(PriorityChanged{255});
  CHECK(h.sm.effective_priority() == 254);
  h.send(PriorityChanged{0});
  CHECK(h.sm.effective_priority() == 1);
}

TEST_CASE("own adverts are ignored") {  // covers: SM-15
  Harness h = started_master();
  CHECK(h.advert(200, kUs).empty());
  CHECK(h.sm.state() == State::kMaster);
}

TEST_CASE("a fault in Master sends priority 0, removes the VIPs and enters Fault") {  // covers: SM-17
  Harness h = started_master();
  auto out = h.send(FaultRaised{"link eth0 down"});
  CHECK(h.sm.state() == State::kFault);
  CHECK(first<StateChanged>(out)->detail == "link eth0 down");
  CHECK(first<SendAdvert>(out)->priority == 0);
  CHECK(count_of<RemoveVips>(out) == 1);
  CHECK_FALSE(h.sm.next_deadline());
  CHECK(h.advert(50, kLowerAddr).empty());  // Fault ignores adverts
}

TEST_CASE("a fault in Backup stops its timers; clearing it returns to Backup") {  // covers: SM-17
  Harness h = started_backup();
  h.send(FaultRaised{"script chk failed"});
  CHECK(h.sm.state() == State::kFault);
  CHECK_FALSE(h.sm.next_deadline());
  h.advance(milliseconds{10'000});
  CHECK(h.sm.state() == State::kFault);
  auto out = h.send(FaultCleared{});
  CHECK(h.sm.state() == State::kBackup);
  CHECK(first<StateChanged>(out)->reason == Reason::kFaultCleared);
  CHECK(*h.sm.next_deadline() == h.clock.now() + h.sm.master_down_interval());
}

TEST_CASE("an owner returns from Fault straight to Master") {  // covers: SM-17, MODE-2
  Harness h(backup_params(255));
  h.send(Startup{});
  h.send(FaultRaised{"link down"});
  h.send(FaultCleared{});
  CHECK(h.sm.state() == State::kMaster);
}

TEST_CASE("a fault raised before startup starts the instance in Fault") {  // covers: SM-17
  Harness h(backup_params());
  h.send(FaultRaised{"link eth0 down"});
  CHECK(h.sm.state() == State::kInit);
  h.send(Startup{});
  CHECK(h.sm.state() == State::kFault);
}

TEST_CASE("second GARP burst after garp_master_delay, then periodic refresh") {  // covers: L2-18
  Params p = backup_params();
  p.announce = AnnounceParams{3, Centiseconds{500}, Centiseconds{6000}};
  Harness h = started_master(p);
  const MonoTime became = h.clock.now();
  int bursts = 0;
  int refreshes = 0;
  while (h.clock.now() < became + milliseconds{125'000}) {
    auto out = h.fire();
    if (auto a = first<Announce>(out)) (a->count == 3 ? bursts : refreshes) += 1;
  }
  CHECK(bursts == 1);
  CHECK(refreshes == 2);  // at 60 s and 120 s
}

TEST_CASE("Master_Adver_Interval is reset on return to Initialize") {  // covers: TMR-3
  Harness h = started_backup();
  h.advert(150, kHigherAddr, Centiseconds{300});
  h.send(Shutdown{});
  CHECK(h.sm.master_adver_interval() == Centiseconds{100});
}

TEST_CASE("a Master advertises a changed priority at once") {  // covers: SM-14
  Harness h = started_master(backup_params(150));
  h.advance(milliseconds{300});
  auto out = h.send(PriorityChanged{90});
  REQUIRE(first<SendAdvert>(out));
  CHECK(first<SendAdvert>(out)->priority == 90);
  CHECK(*h.sm.next_deadline() == h.clock.now() + milliseconds{1000});
  CHECK(h.send(PriorityChanged{90}).empty());  // unchanged: nothing sent
}

TEST_CASE("weighted failure: master drops below the backup, backup takes over within Skew_Time") {
  Harness master = started_master(backup_params(150));
  Harness backup = started_backup(backup_params(120));
  backup.clock.set(master.clock.now());
  backup.advert(150, kLowerAddr);  // the master's regular advert
  auto out = master.send(PriorityChanged{90});
  backup.advert(first<SendAdvert>(out)->priority, kLowerAddr);
  const auto taken = backup.fire();
  CHECK(backup.sm.state() == State::kMaster);
  CHECK(backup.clock.now() - master.clock.now() == backup.sm.skew_time());
}

TEST_CASE("sync group: a Backup member follows the group to Master") {
  Harness h = started_backup();
  auto out = h.send(GroupTransition{true, "member db became MASTER"});
  CHECK(h.sm.state() == State::kMaster);
  CHECK(first<StateChanged>(out)->reason == Reason::kSyncGroup);
  CHECK(count_of<AddVips>(out) == 1);
}

TEST_CASE("sync group: a Master member hands over (priority 0, make before break) with its group") {
  Harness h = started_master();
  auto out = h.send(GroupTransition{false, "member db became BACKUP"});
  CHECK(h.sm.state() == State::kBackup);
  CHECK(first<StateChanged>(out)->detail == "member db became BACKUP");
  CHECK(first<SendAdvert>(out)->priority == 0);
  CHECK(count_of<RemoveVips>(out) == 0);
  h.advert(100, kHigherAddr);
  CHECK(count_of<RemoveVips>(h.fire()) == 1);
}

TEST_CASE("sync group: a member in maintenance is not pulled to Master") {
  Harness h = started_backup();
  h.send(SetMaintenance{true});
  CHECK(h.send(GroupTransition{true, "member db became MASTER"}).empty());
  CHECK(h.sm.state() == State::kBackup);
}

TEST_CASE("sync group transitions are ignored in Fault and Initialize") {
  Harness h(backup_params());
  CHECK(h.send(GroupTransition{true, "x"}).empty());
  h.send(Startup{});
  h.send(FaultRaised{"link down"});
  CHECK(h.send(GroupTransition{true, "x"}).empty());
  CHECK(h.sm.state() == State::kFault);
}

TEST_CASE("handover: priority 0 out, VIPs kept until the new master is heard, then released") {
  Harness h = started_master(backup_params(150));
  auto out = h.send(Handover{});
  CHECK(h.sm.state() == State::kBackup);
  CHECK(first<StateChanged>(out)->reason == Reason::kHandover);
  CHECK(first<SendAdvert>(out)->priority == 0);
  CHECK(count_of<RemoveVips>(out) == 0);  // make before break
  CHECK(h.sm.releasing());
  h.advance(milliseconds{500});
  h.advert(100, kHigherAddr);  // the new master, lower priority: no preempting back
  CHECK(*h.sm.next_deadline() == h.clock.now() + StateMachine::kReleaseGrace);
  out = h.fire();
  CHECK(count_of<RemoveVips>(out) == 1);
  CHECK_FALSE(h.sm.releasing());
  CHECK(h.sm.state() == State::kBackup);
  for (int i = 0; i < 5; ++i) {  // the new master keeps advertising: we stay Backup
    h.advance(milliseconds{1000});
    h.advert(100, kHigherAddr);
  }
  CHECK(h.sm.state() == State::kBackup);
  CHECK(h.sm.holding());
}

TEST_CASE("handover with nobody to take over: take it back after Master_Down_Interval") {
  Harness h = started_master(backup_params(150));
  h.send(Handover{});
  auto out = h.fire();
  CHECK(h.sm.state() == State::kMaster);
  CHECK_FALSE(h.sm.releasing());
  CHECK(count_of<RemoveVips>(out) == 0);
}

TEST_CASE("maintenance: a Master hands over and never takes over, even when the master dies") {
  Harness h = started_master(backup_params(150));
  h.send(SetMaintenance{true});
  CHECK(h.sm.state() == State::kBackup);
  CHECK(h.sm.maintenance());
  h.advert(100, kHigherAddr);
  h.fire();  // the release
  CHECK_FALSE(h.sm.next_deadline());  // no Master_Down_Timer: the master may die
  h.advance(milliseconds{60'000});
  CHECK(h.sm.state() == State::kBackup);
  h.send(SetMaintenance{false});
  CHECK(h.sm.next_deadline());
  h.fire();
  CHECK(h.sm.state() == State::kMaster);
}

TEST_CASE("maintenance survives a restart of the machine: startup stays Backup, even an owner") {
  Harness h(backup_params(255));
  h.send(SetMaintenance{true});
  h.send(Startup{});
  CHECK(h.sm.state() == State::kBackup);
  CHECK_FALSE(h.sm.next_deadline());
}

TEST_CASE("a shutdown while releasing removes the VIPs") {
  Harness h = started_master();
  h.send(Handover{});
  auto out = h.send(Shutdown{});
  CHECK(count_of<RemoveVips>(out) == 1);
}

TEST_CASE("reconfigure keeps the state; a Master re-arms its Adver_Timer on a new interval") {
  Harness h = started_master();
  Params p = backup_params();
  p.advert_interval = Centiseconds{10};
  h.sm.reconfigure(p, h.clock.now());
  CHECK(h.sm.state() == State::kMaster);
  CHECK(*h.sm.next_deadline() == h.clock.now() + milliseconds{100});
}
