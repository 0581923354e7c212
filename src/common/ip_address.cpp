// IpAddress: parsing and printing with inet_pton/inet_ntop, ordering by network bytes.
#include "floatd/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace floatd {

std::string_view family_name(Family f) { return f == Family::kIPv4 ? "v4" : "v6"; }

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> bytes) {
  IpAddress a;
  a.family_ = Family::kIPv4;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> bytes) {
  IpAddress a;
  a.family_ = Family::kIPv6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::from_bytes(std::span<const std::uint8_t> bytes) {
  IpAddress a;
  if (bytes.size() == 4) {
    a.family_ = Family::kIPv4;
  } else if (bytes.size() == 16) {
    a.family_ = Family::kIPv6;
  } else {
    return std::nullopt;
  }
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    a.family_ = Family::kIPv4;
    if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) != 1) return std::nullopt;
  } else {
    a.family_ = Family::kIPv6;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) != 1) return std::nullopt;
  }
  return a;
}

bool IpAddress::is_link_local() const {
  if (is_v4()) return bytes_[0] == 169 && bytes_[1] == 254;
  return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

bool IpAddress::is_multicast() const {
  if (is_v4()) return (bytes_[0] & 0xf0) == 0xe0;
  return bytes_[0] == 0xff;
}

bool IpAddress::is_unspecified() const {
  return std::all_of(bytes_.begin(), bytes_.begin() + static_cast<long>(size()),
                     [](std::uint8_t b) { return b == 0; });
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
  if (a.family_ != b.family_) return a.family_ <=> b.family_;
  return std::lexicographical_compare_three_way(a.bytes_.begin(), a.bytes_.end(), b.bytes_.begin(),
                                                b.bytes_.end());
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const int max_len = addr->is_v4() ? 32 : 128;
  int len = max_len;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto* end = digits.data() + digits.size();
    auto [p, ec] = std::from_chars(digits.data(), end, len);
    if (digits.empty() || ec != std::errc{} || p != end || len < 0 || len > max_len) {
      return std::nullopt;
    }
  }
  return IpPrefix{*addr, len};
}

std::string IpPrefix::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_len);
}

}  // namespace floatd
