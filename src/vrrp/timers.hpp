// VRRP timer math: Skew_Time and Master_Down_Interval (RFC 5798 §6.1, RFC 3768 §6.1).
//
// Results are in microseconds, like keepalived, not in integer centiseconds like FRR: with
// centiseconds VRRPv2 priorities 1/256 s apart would round to the same skew and race
// (rfc-checklist TMR-7, TMR-9). Fractions of a microsecond are truncated.
#pragma once

#include "floatd/time.hpp"
#include "floatd/types.hpp"

namespace floatd::vrrp {

// v3: ((256 - Priority) * Master_Adver_Interval) / 256 (TMR-1).
// v2: (256 - Priority) / 256 seconds, independent of the interval (TMR-4).
Microseconds skew_time(Version version, Priority priority, Centiseconds master_adver_interval);

// 3 * Master_Adver_Interval + Skew_Time (TMR-2, TMR-4). For v2 pass the configured
// Advertisement_Interval: v2 never learns it.
Microseconds master_down_interval(Version version, Priority priority,
                                  Centiseconds master_adver_interval);

}  // namespace floatd::vrrp
