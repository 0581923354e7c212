// Router Advertisement frames (RFC 4861 §4.2, rfc-checklist L2-8) and the check
// of a received Router Solicitation (§6.1.1). PURE builders over bytes like
// announce_frames.hpp: the caller puts the frame on the wire whole (Ethernet
// header included) from the virtual MAC.
//
// Options in radvd's order (send.c): Prefix Information (§4.6.2), MTU (§4.6.4),
// Source Link-Layer Address (§4.6.1), so that the two dissect the same way side
// by side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "floatd/ip_address.hpp"
#include "vrrp/vmac.hpp"

namespace floatd::net {

using vrrp::MacAddress;

struct RaPrefixInfo {
  IpPrefix prefix;
  bool on_link = true;     // L
  bool autonomous = true;  // A
  std::uint32_t valid_lifetime = 86400;
  std::uint32_t preferred_lifetime = 14400;
};

// The fields of one advertisement (§4.2); router_lifetime 0 says "not a default
// router" (the final RA of §6.2.5).
struct RouterAdvert {
  std::uint8_t cur_hop_limit = 64;
  bool managed = false;                  // M
  bool other_config = false;             // O
  std::uint8_t preference = 0;           // RFC 4191 §2.2 Prf: 0 medium, 1 high, 3 low
  std::uint16_t router_lifetime = 1800;  // seconds
  std::uint32_t reachable_time = 0;      // ms
  std::uint32_t retrans_timer = 0;       // ms
  std::uint32_t mtu = 0;                 // 0: no MTU option
  std::vector<RaPrefixInfo> prefixes;
  std::optional<MacAddress> source_link_layer;  // SLLA option
};

inline constexpr std::uint8_t kIcmpv6RouterSolicit = 133;
inline constexpr std::uint8_t kIcmpv6RouterAdvert = 134;

// The ICMPv6 message alone, checksum filled in for `src` -> `dst` (RFC 4443
// §2.3).
std::vector<std::uint8_t> router_advert_message(const RouterAdvert &ra, const IpAddress &src,
                                                const IpAddress &dst);

// Ethernet (src_mac -> 33:33:00:00:00:01) + IPv6 (src -> ff02::1, hop limit
// 255, §6.1.2) + the message. Empty when src is not IPv6.
std::vector<std::uint8_t> router_advert_frame(const RouterAdvert &ra, MacAddress src_mac,
                                              const IpAddress &src);

// RFC 4861 §6.1.1: a Router Solicitation is valid when its hop limit is 255,
// its ICMP code 0, its length 8 or more, every option has a length above 0, and
// an unspecified source carries no Source Link-Layer Address option. `icmp` is
// the ICMPv6 message (the kernel checked its checksum).
bool valid_router_solicitation(std::span<const std::uint8_t> icmp, int hop_limit,
                               const IpAddress &src);

}  // namespace floatd::net
