// RaSchedule (vrrp/ra_schedule.hpp) with a fake clock: when a Master's Router
// Advertisements are due (RFC 4861 §6.2.4, §6.2.6; rfc-checklist L2-8). Several
// seeds, since the intervals are drawn at random.
#include "vrrp/ra_schedule.hpp"

#include <doctest/doctest.h>

using namespace floatd;        // NOLINT
using namespace floatd::vrrp;  // NOLINT

namespace {

constexpr Centiseconds kMin{19800};  // radvd's defaults: 198 s ..
constexpr Centiseconds kMax{60000};  // .. 600 s
constexpr Microseconds kSecond{1'000'000};

}  // namespace

TEST_CASE("ra_schedule: nothing is due before start or after stop") {
  FakeClock clock;
  RaSchedule s(kMin, kMax, 7);
  CHECK_FALSE(s.active());
  CHECK_FALSE(s.next_deadline());
  s.solicited(clock.now());  // a Backup answers no solicitation (RFC 5798 §8.2.3)
  CHECK_FALSE(s.next_deadline());
  s.start(clock.now());
  CHECK(s.due(clock.now()));  // §6.2.4: the first at once
  s.stop();
  CHECK_FALSE(s.active());
  CHECK_FALSE(s.due(clock.now() + 10000 * kSecond));
}

TEST_CASE("ra_schedule: the first three are at most 16 s apart, then Min..Max") {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    FakeClock clock;
    RaSchedule s(kMin, kMax, seed);
    s.start(clock.now());
    for (int i = 0; i < kMaxInitialRtrAdvertisements; ++i) {
      s.sent(clock.now());
      const auto gap = *s.next_deadline() - clock.now();
      CHECK(gap >= kMinDelayBetweenRas);
      CHECK(gap <= kMaxInitialRtrAdvertInterval);
      clock.set(*s.next_deadline());
    }
    for (int i = 0; i < 5; ++i) {
      s.sent(clock.now());
      const auto gap = *s.next_deadline() - clock.now();
      CHECK(gap >= std::chrono::duration_cast<Microseconds>(kMin));
      CHECK(gap <= std::chrono::duration_cast<Microseconds>(kMax));
      clock.set(*s.next_deadline());
    }
  }
}

TEST_CASE(
    "ra_schedule: a solicitation is answered within MAX_RA_DELAY_TIME "
    "(6.2.6)") {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    FakeClock clock;
    RaSchedule s(kMin, kMax, seed);
    s.start(clock.now());
    s.sent(clock.now());
    clock.advance(2 * kSecond);
    s.sent(clock.now());         // the second, at most 16 s later
    clock.advance(5 * kSecond);  // past MIN_DELAY_BETWEEN_RAS since it
    const MonoTime before = *s.next_deadline();
    s.solicited(clock.now());
    const MonoTime at = *s.next_deadline();
    CHECK(at >= std::min(before, clock.now()));
    CHECK(at <= std::min(before, clock.now() + kMaxRaDelayTime));
  }
}

TEST_CASE(
    "ra_schedule: a solicitation right after an RA waits "
    "MIN_DELAY_BETWEEN_RAS") {
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    FakeClock clock;
    RaSchedule s(Centiseconds{40000}, Centiseconds{60000}, seed);
    s.start(clock.now());
    for (int i = 0; i < kMaxInitialRtrAdvertisements; ++i) {  // out of the initial burst
      s.sent(clock.now());
      clock.set(*s.next_deadline());
    }
    const MonoTime sent = clock.now();
    s.sent(sent);  // next one 400..600 s away
    clock.advance(kSecond);
    s.solicited(clock.now());
    const auto at = *s.next_deadline();
    CHECK(at >= sent + kMinDelayBetweenRas);
    CHECK(at <= sent + kMinDelayBetweenRas + kMaxRaDelayTime);
    // A second solicitation does not push it later.
    clock.advance(kSecond);
    s.solicited(clock.now());
    CHECK(*s.next_deadline() <= at);
  }
}

TEST_CASE("ra_schedule: the same seed draws the same intervals") {
  FakeClock clock;
  RaSchedule a(kMin, kMax, 42);
  RaSchedule b(kMin, kMax, 42);
  a.start(clock.now());
  b.start(clock.now());
  for (int i = 0; i < 6; ++i) {
    a.sent(clock.now());
    b.sent(clock.now());
    CHECK(a.next_deadline() == b.next_deadline());
    clock.set(*a.next_deadline());
  }
}
