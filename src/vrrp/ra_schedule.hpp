// RaSchedule: when a Master sends its next Router Advertisement (rfc-checklist
// L2-8), as a deadline in data. The instance feeds it "became Master", "heard a
// Router Solicitation", "sent one" and "no longer Master"; the daemon arms its
// one timer at next_deadline().
//
// RFC 4861 §6.2.4: a new advertising interface (here: a new Master) sends at
// once, then at random intervals in [MinRtrAdvInterval, MaxRtrAdvInterval], the
// first MAX_INITIAL_RTR_ADVERTISEMENTS (3) of them at most
// MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s) apart; multicast RAs are at least
// MIN_DELAY_BETWEEN_RAS (3 s) apart, except the first. RFC 4861 §6.2.6: a
// solicited RA waits a random 0..MAX_RA_DELAY_TIME (0.5 s), and is pushed to
// MIN_DELAY_BETWEEN_RAS after the previous multicast RA; one already due
// earlier stays. Randomness comes from a seeded generator the caller owns the
// seed of: PURE and repeatable.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "floatd/time.hpp"

namespace floatd::vrrp {

inline constexpr int kMaxInitialRtrAdvertisements = 3;                   // RFC 4861 §10
inline constexpr Microseconds kMaxInitialRtrAdvertInterval{16'000'000};  // 16 s
inline constexpr Microseconds kMinDelayBetweenRas{3'000'000};            // 3 s
inline constexpr Microseconds kMaxRaDelayTime{500'000};                  // 0.5 s
inline constexpr int kMaxFinalRtrAdvertisements = 3;                     // RFC 4861 §6.2.5

class RaSchedule {
 public:
  RaSchedule(Centiseconds min_interval, Centiseconds max_interval, std::uint32_t seed);

  void start(MonoTime now);      // became Master: an RA is due now
  void stop();                   // no longer Master: nothing is due
  void solicited(MonoTime now);  // a valid Router Solicitation arrived (§6.2.6)
  void sent(MonoTime now);       // an RA went out at `now`: the next unsolicited one
                                 // is drawn

  bool active() const { return next_.has_value(); }
  bool due(MonoTime now) const { return next_ && *next_ <= now; }
  std::optional<MonoTime> next_deadline() const { return next_; }

 private:
  Microseconds draw(Microseconds low, Microseconds high);

  Microseconds min_;
  Microseconds max_;
  std::minstd_rand rng_;
  std::optional<MonoTime> next_;
  std::optional<MonoTime> last_sent_;
  int initial_left_ = 0;
};

}  // namespace floatd::vrrp
