// IpAddress: an IPv4 or IPv6 address as a value, plus the address family.
//
// Addresses are kept in network byte order; comparison is the unsigned compare of those
// bytes, which is exactly the VRRP tie-break (RFC 9568 §6.4.3, checklist ERR-4).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace floatd {

enum class Family : std::uint8_t { kIPv4, kIPv6 };

std::string_view family_name(Family f);  // "v4" / "v6"

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::array<std::uint8_t, 4> bytes);
  static IpAddress v6(std::array<std::uint8_t, 16> bytes);
  // From network-order bytes: 4 bytes make IPv4, 16 make IPv6; other sizes give nullopt.
  static std::optional<IpAddress> from_bytes(std::span<const std::uint8_t> bytes);
  static std::optional<IpAddress> parse(std::string_view text);  // inet_pton, no names

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::kIPv4; }
  bool is_v6() const { return family_ == Family::kIPv6; }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size()}; }

  bool is_link_local() const;  // fe80::/10 or 169.254.0.0/16
  bool is_multicast() const;
  bool is_unspecified() const;

  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b);

 private:
  Family family_ = Family::kIPv4;
  std::array<std::uint8_t, 16> bytes_{};  // unused tail is zero for IPv4
};

// An address with a prefix length, as in "10.0.0.100/24".
struct IpPrefix {
  IpAddress address;
  int prefix_len = 32;

  static std::optional<IpPrefix> parse(std::string_view text);  // "/N" optional: full length
  std::string to_string() const;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

}  // namespace floatd
