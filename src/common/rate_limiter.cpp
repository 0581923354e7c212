#include "floatd/log.hpp"

namespace floatd {

std::optional<std::uint64_t> RateLimiter::allow(MonoTime now) {
  if (used_ == 0 || now - window_start_ >= period_) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= burst_) {
    ++suppressed_;
    return std::nullopt;
  }
  ++used_;
  const std::uint64_t suppressed = suppressed_;
  suppressed_ = 0;
  return suppressed;
}

}  // namespace floatd
