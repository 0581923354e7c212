// The VRRP advertisement codec: VRRPv2 (RFC 3768 §5.3) and VRRPv3 (RFC 5798 §5.2, RFC 9568),
// IPv4 and IPv6, over byte spans. Pure: no sockets.
//
// decode() runs every receive check the bytes and the IP layer decide (rfc-checklist PKT, CK,
// RX-1..RX-6, RX-10); rx_check.hpp then runs the checks that need the instance's config.
// The VRRP message only: the IPv4 header is stripped by the socket layer, which passes the
// TTL and addresses in PacketInfo.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"
#include "vrrp/address_list.hpp"
#include "vrrp/drop_reason.hpp"

namespace floatd::vrrp {

inline constexpr std::uint8_t kIpProtoVrrp = 112;   // GEN-1
inline constexpr std::uint8_t kAdvertType = 1;      // PKT-1
inline constexpr std::size_t kV3HeaderSize = 8;     // PKT-2
inline constexpr std::size_t kV2HeaderSize = 8;     // PKT-3, before the addresses
inline constexpr std::size_t kV2AuthSize = 8;       // PKT-3, after the addresses
inline constexpr std::uint8_t kV2AuthNone = 0;
inline constexpr std::uint8_t kV2AuthPass = 1;      // keepalived's PASS (RFC 2338 style)
inline constexpr int kMaxV3IntervalCs = 4095;       // 12-bit field, TMR-8

IpAddress multicast_group(Family f);  // 224.0.0.18 / ff02::12 (GEN-2, GEN-3)

// The v2 Adver Int (whole seconds, 8 bits) sent for a configured interval: cs / 100, at least 1
// (PKT-16, as FRR does), at most 255. rx_check compares received v2 intervals with this.
std::uint8_t v2_interval_seconds(Centiseconds interval);

// How a VRRPv3 advert over IPv4 is checksummed (CK-3). v2 never uses a pseudo-header
// (CK-1); v3 over IPv6 always does (CK-2).
enum class ChecksumForm : std::uint8_t {
  kPseudoHeader,  // CK-3a: keepalived 2.2.7 and FRR 8.4.4 send and accept this; our default
  kMessageOnly,   // CK-3b: RFC 9568 §5.2.8; v3_checksum_as_v2 = yes
};

struct Advert {
  Version version = Version::kV3;
  Vrid vrid = 0;
  Priority priority = 0;
  // v3: Max Adver Int (centiseconds, 12 bits). v2: Adver Int (whole seconds) as centiseconds.
  Centiseconds interval{100};
  std::uint8_t auth_type = kV2AuthNone;        // v2 only
  std::array<std::uint8_t, 8> auth_data{};     // v2 only: the password, zero padded
  AddressList addresses;  // all of the packet's family (PKT-6), inline: no heap

  friend bool operator==(const Advert&, const Advert&) = default;
};

// What the IP layer says about a received packet.
struct PacketInfo {
  IpAddress src;       // IP source: the tie-break key (RX-16)
  IpAddress dst;       // IP destination: the group or our unicast address (CK-4)
  int hop_limit = -1;  // TTL / Hop Limit from the header or ancillary data (RX-1)
};

// Encodes an advert with its checksum. src/dst are the IP addresses the packet will carry
// (they enter the pseudo-header). form matters only for v3 over IPv4.
std::vector<std::uint8_t> encode(const Advert& advert, const IpAddress& src, const IpAddress& dst,
                                 ChecksumForm form = ChecksumForm::kPseudoHeader);

struct Decoded {
  Advert advert;
  // Which checksum forms verified. v2 and v3/IPv6 have one form, reported in the first field.
  // For v3/IPv4 both are computed; rx_check picks the instance's.
  bool checksum_pseudo_header = false;
  bool checksum_message_only = false;
};

// Decodes and runs the instance-independent receive checks, in the order the checklist
// suggests: IP layer, version, type, length/count, checksum, interval.
Result<Decoded, DropReason> decode(std::span<const std::uint8_t> bytes, const PacketInfo& info);

}  // namespace floatd::vrrp
