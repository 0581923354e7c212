// The virtual router MAC address (RFC 5798 §7.3, rfc-checklist GEN-4, GEN-5).
#pragma once

#include <array>
#include <cstdint>

#include "floatd/ip_address.hpp"
#include "floatd/types.hpp"

namespace floatd::vrrp {

using MacAddress = std::array<std::uint8_t, 6>;

// 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
constexpr MacAddress virtual_mac(Family family, Vrid vrid) {
  return {0x00, 0x00, 0x5e, 0x00, static_cast<std::uint8_t>(family == Family::kIPv4 ? 0x01 : 0x02),
          vrid};
}

// RFC 5798 §5.2.9, §6.1 (rfc-checklist PKT-7): the virtual router's IPv6 link-local address,
// derived from the IPv6 virtual MAC as a modified EUI-64 (RFC 4291 §2.5.1, Appendix A):
// fe80::200:5eff:fe00:2XX for VRID XX. Every router of the virtual router derives the same
// address, so the hosts' default router (RFC 4861 §6.3.4) stays the same after a failover.
inline IpAddress virtual_link_local(Vrid vrid) {
  const MacAddress mac = virtual_mac(Family::kIPv6, vrid);
  return IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(mac[0] ^ 0x02),
                        mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]});
}

}  // namespace floatd::vrrp
