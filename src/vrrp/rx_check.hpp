// Receive checks that need the receiving instance's configuration (rfc-checklist RX-2, RX-8,
// RX-9, RX-11..RX-14, CK-3). Some findings only warn: they are logged (rate-limited) and
// counted but the advert is processed, as keepalived and FRR do.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "vrrp/packet.hpp"

namespace floatd::vrrp {

struct RxPolicy {
  Version version = Version::kV3;
  ChecksumForm v3_ipv4_checksum = ChecksumForm::kPseudoHeader;
  Centiseconds advert_interval{100};     // ours: v2 requires equality (RX-9), v3 only warns
  // v2_compat (RFC 5798 / RFC 9568 §8.4.2, IOP-1): a v3 instance that also hears v2 adverts.
  bool v2_compat = false;
  std::uint8_t auth_type = kV2AuthNone;  // v2
  std::array<std::uint8_t, 8> auth_data{};
  std::vector<IpAddress> vips;           // for the address list comparison (RX-14)
  bool owner = false;                    // priority 255 (RX-8)
};

// Findings that do not drop the advert.
enum Warning : std::uint32_t {
  kWarnNone = 0,
  kWarnIntervalMismatch = 1u << 0,   // RX-11: v3 interval differs from ours (we learn it)
  kWarnAddressMismatch = 1u << 1,    // RX-14: address list differs from our VIPs
  kWarnFirstNotLinkLocal = 1u << 2,  // RX-12: logged, not enforced (keepalived sends a global first)
  kWarnOwnerHeardAdvert = 1u << 3,   // RX-8 per RFC 9568 EID 8298: verify, log, continue
  // v2_compat (mixed_versions.hpp), RFC 5798 / RFC 9568 §8.4.2:
  kWarnV3OnlyPeer = 1u << 4,         // IOP-3 MAY: a v3 Master sends no v2 beside its v3
  kWarnV2Outranks = 1u << 5,         // IOP-4: a v2-only router outranks our sub-second rate
};

struct RxVerdict {
  std::optional<DropReason> drop;  // set: discard the advert, touch no timer (RX-15)
  std::uint32_t warnings = kWarnNone;
};

RxVerdict check_for_instance(const Decoded& decoded, const PacketInfo& info, const RxPolicy& policy);

}  // namespace floatd::vrrp
