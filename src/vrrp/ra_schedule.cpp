#include "vrrp/ra_schedule.hpp"

#include <algorithm>

namespace floatd::vrrp {

RaSchedule::RaSchedule(Centiseconds min_interval, Centiseconds max_interval, std::uint32_t seed)
    : min_(std::chrono::duration_cast<Microseconds>(min_interval)),
      max_(std::chrono::duration_cast<Microseconds>(max_interval)),
      rng_(seed == 0 ? 1 : seed) {}

Microseconds RaSchedule::draw(Microseconds low, Microseconds high) {
  if (high <= low) return low;
  std::uniform_int_distribution<std::int64_t> pick(low.count(), high.count());
  return Microseconds{pick(rng_)};
}

// RFC 4861 §6.2.4: "when an interface becomes an advertising interface" the
// first RA goes at once; a VRRP Master is the new holder of the virtual
// router's link-local address.
void RaSchedule::start(MonoTime now) {
  if (next_) return;  // already advertising
  next_ = now;
  last_sent_.reset();
  initial_left_ = kMaxInitialRtrAdvertisements;
}

void RaSchedule::stop() {
  next_.reset();
  last_sent_.reset();
  initial_left_ = 0;
}

void RaSchedule::sent(MonoTime now) {
  if (!next_) return;
  last_sent_ = now;
  Microseconds interval = draw(min_, max_);
  if (initial_left_ > 0) {
    --initial_left_;
    interval = std::min(interval, kMaxInitialRtrAdvertInterval);
  }
  next_ = now + std::max(interval, kMinDelayBetweenRas);
}

// RFC 4861 §6.2.6: delay 0..MAX_RA_DELAY_TIME; within MIN_DELAY_BETWEEN_RAS of
// the last multicast RA, that much after it plus the delay; an RA already due
// earlier is not moved.
void RaSchedule::solicited(MonoTime now) {
  if (!next_) return;  // a Backup answers none (RFC 5798 §8.2.3)
  const Microseconds delay = draw(Microseconds{0}, kMaxRaDelayTime);
  MonoTime at = now + delay;
  if (last_sent_ && now - *last_sent_ < kMinDelayBetweenRas) {
    at = *last_sent_ + kMinDelayBetweenRas + delay;
  }
  next_ = std::min(*next_, at);
}

}  // namespace floatd::vrrp
