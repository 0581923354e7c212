#include "vrrp/timers.hpp"

namespace floatd::vrrp {

Microseconds skew_time(Version version, Priority priority, Centiseconds master_adver_interval) {
  const std::int64_t weight = 256 - static_cast<std::int64_t>(priority);
  if (version == Version::kV2) {
    // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
    return Microseconds{weight * 1'000'000 / 256};
  }
  // RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
  const Microseconds interval = master_adver_interval;
  return Microseconds{weight * interval.count() / 256};
}

Microseconds master_down_interval(Version version, Priority priority,
                                  Centiseconds master_adver_interval) {
  // RFC 5798 §6.1 / RFC 3768 §6.1: 3 * interval + Skew_Time.
  return 3 * Microseconds{master_adver_interval} +
         skew_time(version, priority, master_adver_interval);
}

}  // namespace floatd::vrrp
