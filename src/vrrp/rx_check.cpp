// Receive checks against the instance's configuration (RFC 5798 §7.1, RFC 3768 §7.1,
// RFC 9568 §7.1; rfc-checklist RX-2, RX-8, RX-9, RX-11..RX-14, CK-3).
#include "vrrp/rx_check.hpp"

#include <algorithm>

namespace floatd::vrrp {

namespace {

// CK-3: v3 over IPv4 has two checksum forms; decode() reports which verified.
std::optional<DropReason> check_checksum_form(const Decoded& d, const PacketInfo& info,
                                              const RxPolicy& policy) {
  if (d.advert.version != Version::kV3 || !info.src.is_v4()) return std::nullopt;
  const bool ours = policy.v3_ipv4_checksum == ChecksumForm::kPseudoHeader
                        ? d.checksum_pseudo_header
                        : d.checksum_message_only;
  const bool theirs = policy.v3_ipv4_checksum == ChecksumForm::kPseudoHeader
                          ? d.checksum_message_only
                          : d.checksum_pseudo_header;
  if (ours) return std::nullopt;
  // The peer uses the other form: a distinct reason so the operator knows what to change.
  return theirs ? DropReason::kChecksumForm : DropReason::kBadChecksum;
}

bool v2_interval_differs(const Advert& a, const RxPolicy& policy) {
  return a.interval != Centiseconds{v2_interval_seconds(policy.advert_interval) * 100};
}

// RFC 3768 §7.1: v2 interval and authentication must match ours. In v2_compat a Backup times
// out on the Master's advertised rate (RFC 5798 / RFC 9568 §8.4.2, IOP-3): a v2 interval that
// differs is learnt and warned about, as v3's is (RX-11), not dropped.
std::optional<DropReason> check_v2(const Advert& a, const RxPolicy& policy) {
  if (!policy.v2_compat && v2_interval_differs(a, policy)) {
    return DropReason::kIntervalMismatch;  // RX-9
  }
  if (a.auth_type != policy.auth_type) return DropReason::kAuthMismatch;  // RX-13
  // PKT-8: auth data is ignored on receive unless both sides use keepalived's PASS.
  if (a.auth_type == kV2AuthPass && a.auth_data != policy.auth_data) {
    return DropReason::kAuthMismatch;
  }
  return std::nullopt;
}

std::vector<IpAddress> as_set(std::vector<IpAddress> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::uint32_t warnings_for(const Advert& a, const PacketInfo& info, const RxPolicy& policy) {
  std::uint32_t w = kWarnNone;
  // RX-11 (RFC 9568 §7.1): v3 learns the Master's interval; only log a difference.
  if (a.version == Version::kV3 && a.interval != policy.advert_interval) {
    w |= kWarnIntervalMismatch;
  }
  if (a.version == Version::kV2 && policy.v2_compat && v2_interval_differs(a, policy)) {
    w |= kWarnIntervalMismatch;  // IOP-3: learnt, as v3's
  }
  // RX-14: log only, for v2 too (RFC 3768 would drop unless priority 255; keepalived and FRR
  // only log).
  // The same list in the same order is the usual case: compared in place, no allocation.
  if (a.addresses != policy.vips &&
      as_set({a.addresses.begin(), a.addresses.end()}) != as_set(policy.vips)) {
    w |= kWarnAddressMismatch;
  }
  // RX-12 (EID 8300) would drop; keepalived sends a global first address, so we only warn.
  if (info.src.is_v6() && !a.addresses.empty() && !a.addresses.front().is_link_local()) {
    w |= kWarnFirstNotLinkLocal;
  }
  // RX-8: RFC 5798 drops; RFC 9568 EID 8298 says verify, log and continue.
  if (policy.owner) w |= kWarnOwnerHeardAdvert;
  return w;
}

}  // namespace

RxVerdict check_for_instance(const Decoded& decoded, const PacketInfo& info,
                             const RxPolicy& policy) {
  const Advert& a = decoded.advert;
  // RX-2, except that v2_compat hears both versions (RFC 5798 / RFC 9568 §8.4.2, IOP-1).
  const bool compat = policy.v2_compat && a.version == Version::kV2;
  if (a.version != policy.version && !compat) return {DropReason::kVersionMismatch, kWarnNone};
  if (auto r = check_checksum_form(decoded, info, policy)) return {r, kWarnNone};
  if (a.version == Version::kV2) {
    if (auto r = check_v2(a, policy)) return {r, kWarnNone};
  }
  return {std::nullopt, warnings_for(a, info, policy)};
}

}  // namespace floatd::vrrp
