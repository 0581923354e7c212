// v2_compat: v2 copies ignored, v3-only Masters and v2 routers that outrank a sub-second rate
// reported (RFC 5798 §8.4.2 and §8.4.3; RFC 9568 §8.4.2 and §8.4.2.1.1; IOP-3, IOP-4).
#include "vrrp/mixed_versions.hpp"

#include <algorithm>

namespace floatd::vrrp {

namespace {

Microseconds fresh_window(Centiseconds interval) {
  return MixedVersions::kFreshIntervals * Microseconds{interval};
}

}  // namespace

MixedVersions::Source& MixedVersions::source(const IpAddress& address, MonoTime now) {
  auto it = std::find_if(sources_.begin(), sources_.end(),
                         [&](const Source& s) { return s.address == address; });
  if (it == sources_.end()) {
    if (sources_.size() >= kMaxSources) {
      sources_.erase(std::min_element(
          sources_.begin(), sources_.end(),
          [](const Source& a, const Source& b) { return a.last_heard < b.last_heard; }));
    }
    Source fresh;
    fresh.address = address;
    sources_.push_back(fresh);
    it = std::prev(sources_.end());
  }
  it->last_heard = now;
  return *it;
}

MixedVersions::Verdict MixedVersions::heard(const Advert& advert, const IpAddress& src,
                                            Priority our_priority, Centiseconds our_interval,
                                            MonoTime now) {
  Source& s = source(src, now);
  return advert.version == Version::kV3 ? heard_v3(s, advert, now)
                                        : heard_v2(s, advert, our_priority, our_interval, now);
}

// IOP-3 (MAY): a v3 Master that sends no v2 does not support v2 routers.
MixedVersions::Verdict MixedVersions::heard_v3(Source& s, const Advert& advert, MonoTime now) {
  s.last_v3 = now;
  s.v3_interval = advert.interval;
  if (!s.v3_without_v2) s.v3_without_v2 = now;
  Verdict v;
  if (!s.reported_v3_only && advert.priority > 0 &&
      now - *s.v3_without_v2 >= fresh_window(advert.interval)) {
    s.reported_v3_only = true;
    v.warnings |= kWarnV3OnlyPeer;
  }
  return v;
}

MixedVersions::Verdict MixedVersions::heard_v2(Source& s, const Advert& advert,
                                               Priority our_priority, Centiseconds our_interval,
                                               MonoTime now) {
  s.v3_without_v2.reset();
  s.reported_v3_only = false;
  Verdict v;
  // IOP-3: "a Backup SHOULD ignore VRRPv2 advertisements from the current Active Router if it
  // is also receiving VRRPv3 packets from it" (RFC 9568 §8.4.2).
  if (s.last_v3 && now - *s.last_v3 <= fresh_window(s.v3_interval)) {
    v.ignore = true;
    return v;
  }
  // IOP-4 (RFC 9568 §8.4.2.1.1): a v2-only router SHOULD NOT have a higher priority than a
  // peer advertising sub-second: it would be Master at whole seconds, and v3 routers time out
  // on its rate.
  const bool outranks = advert.priority > our_priority && our_interval < Centiseconds{100};
  if (outranks && !s.reported_outranks) v.warnings |= kWarnV2Outranks;
  s.reported_outranks = outranks;
  return v;
}

}  // namespace floatd::vrrp
