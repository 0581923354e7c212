// v2_compat's view of which routers send which VRRP version (RFC 5798 §8.4.2, RFC 9568 §8.4.2
// and §8.4.2.1.1; rfc-checklist IOP-3, IOP-4). Pure: the instance feeds it every advert that
// passed rx_check, with the time; it says whether the advert counts and what to warn about.
//
// - A v2 advert from a router whose v3 adverts we heard within the last kFreshIntervals of its
//   v3 interval is that router's copy for v2-only peers: ignored (DropReason::kV2Shadowed), so
//   its v2 Adver Int (whole seconds) never replaces the v3 rate we time out on. The RFC says
//   "from the current Master"; we ignore the copies of any router that sends v3, since only
//   Masters advertise and a Master's two adverts say the same.
// - A router that has sent v3 for kFreshIntervals of its interval with no v2 beside it:
//   kWarnV3OnlyPeer, once until it sends v2 again (IOP-3's MAY: the two disagree on whether
//   v2 routers are supported; expected once the last v2 router has gone).
// - A v2-only router whose priority is above ours while we advertise sub-second:
//   kWarnV2Outranks, once until it no longer does (IOP-4: it SHOULD NOT be configured so;
//   we cannot change its priority, only say so).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/rx_check.hpp"

namespace floatd::vrrp {

class MixedVersions {
 public:
  static constexpr std::size_t kMaxSources = 16;  // the least recently heard is forgotten
  static constexpr int kFreshIntervals = 3;       // as Master_Down_Interval's 3 intervals

  struct Verdict {
    bool ignore = false;                  // a v2 copy: count it as kV2Shadowed and go no further
    std::uint32_t warnings = kWarnNone;   // kWarnV3OnlyPeer, kWarnV2Outranks
  };

  // `ours`: our effective priority and configured Advertisement_Interval.
  Verdict heard(const Advert& advert, const IpAddress& src, Priority our_priority,
                Centiseconds our_interval, MonoTime now);
  void clear() { sources_.clear(); }

 private:
  struct Source {
    IpAddress address;
    MonoTime last_heard{};
    std::optional<MonoTime> last_v3;
    Centiseconds v3_interval{100};
    std::optional<MonoTime> v3_without_v2;  // first v3 advert since its last v2 one
    bool reported_v3_only = false;
    bool reported_outranks = false;
  };
  Source& source(const IpAddress& address, MonoTime now);
  Verdict heard_v3(Source& s, const Advert& advert, MonoTime now);
  Verdict heard_v2(Source& s, const Advert& advert, Priority our_priority,
                   Centiseconds our_interval, MonoTime now);

  std::vector<Source> sources_;
};

}  // namespace floatd::vrrp
