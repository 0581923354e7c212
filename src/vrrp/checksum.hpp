// The Internet checksum (RFC 1071) over byte spans, and the IPv4 / IPv6 pseudo-headers VRRP
// puts in front of the message (rfc-checklist CK-1, CK-2, CK-3a, CK-3b).
//
// The sum is built by feeding spans to an InternetChecksum; a span may have any length (an odd
// byte pairs with the first byte of the next span, as if the spans were one buffer). A sender
// writes checksum() into the zeroed field; a receiver sums the message with the field in place
// and accepts when verifies() holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "floatd/ip_address.hpp"

namespace floatd::vrrp {

class InternetChecksum {
 public:
  // Adds bytes as big-endian 16-bit words (RFC 1071 §4.1); a trailing odd byte is padded
  // with zero unless more bytes follow.
  InternetChecksum& add(std::span<const std::uint8_t> bytes);

  std::uint16_t sum() const;                         // the folded one's complement sum
  std::uint16_t checksum() const;                    // ~sum(): the value to put on the wire
  bool verifies() const { return sum() == 0xffff; }  // the sum over a correct message

 private:
  std::uint64_t sum_ = 0;
  bool odd_ = false;  // the next byte is the low half of a word
};

// CK-1, CK-3b: the checksum of the message alone (checksum field zeroed by the caller).
std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes);

// A checksum seeded with the pseudo-header for an upper-layer message of `length` octets.
// IPv4 (RFC 768 layout, CK-3a): src, dst, zero, protocol, 16-bit length.
// IPv6 (RFC 8200 §8.1, CK-2): src, dst, 32-bit length, three zero octets, next header.
// The family is that of src; src and dst must be of the same family.
InternetChecksum pseudo_header_v4(const IpAddress& src, const IpAddress& dst, std::uint16_t length,
                                  std::uint8_t protocol);
InternetChecksum pseudo_header_v6(const IpAddress& src, const IpAddress& dst, std::uint32_t length,
                                  std::uint8_t next_header);
InternetChecksum pseudo_header(const IpAddress& src, const IpAddress& dst, std::size_t length,
                               std::uint8_t protocol);

}  // namespace floatd::vrrp
