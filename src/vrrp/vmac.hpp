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

}  // namespace floatd::vrrp
