// RFC 1071 Internet checksum and the VRRP pseudo-headers (rfc-checklist CK-1..CK-3).
#include "vrrp/checksum.hpp"

#include <array>

namespace floatd::vrrp {

InternetChecksum& InternetChecksum::add(std::span<const std::uint8_t> bytes) {
  // A 64-bit accumulator cannot overflow for any packet size; the carries are folded once at
  // the end (RFC 1071 §2 (B): the sum is independent of when carries are added back).
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  if (odd_ && n > 0) {  // complete the word the previous span left open
    sum_ += bytes[0];
    i = 1;
    odd_ = false;
  }
  // Whole words, two at a time where possible (RFC 1071 §4.1's loop, unrolled once).
  for (; i + 4 <= n; i += 4) {
    sum_ += (static_cast<std::uint64_t>(bytes[i]) << 8 | bytes[i + 1]) +
            (static_cast<std::uint64_t>(bytes[i + 2]) << 8 | bytes[i + 3]);
  }
  for (; i + 2 <= n; i += 2) sum_ += static_cast<std::uint64_t>(bytes[i]) << 8 | bytes[i + 1];
  if (i < n) {  // a trailing odd byte: the high half of a word the next span may complete
    sum_ += static_cast<std::uint64_t>(bytes[i]) << 8;
    odd_ = true;
  }
  return *this;
}

std::uint16_t InternetChecksum::sum() const {
  std::uint64_t s = sum_;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

std::uint16_t InternetChecksum::checksum() const { return static_cast<std::uint16_t>(~sum()); }

std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  return InternetChecksum{}.add(bytes).checksum();
}

InternetChecksum pseudo_header_v4(const IpAddress& src, const IpAddress& dst, std::uint16_t length,
                                  std::uint8_t protocol) {
  const std::array<std::uint8_t, 4> tail{0, protocol, static_cast<std::uint8_t>(length >> 8),
                                         static_cast<std::uint8_t>(length)};
  InternetChecksum c;
  c.add(src.bytes()).add(dst.bytes()).add(tail);
  return c;
}

InternetChecksum pseudo_header_v6(const IpAddress& src, const IpAddress& dst, std::uint32_t length,
                                  std::uint8_t next_header) {
  // RFC 8200 §8.1: Upper-Layer Packet Length is 32 bits, then 24 zero bits and Next Header.
  const std::array<std::uint8_t, 8> tail{static_cast<std::uint8_t>(length >> 24),
                                         static_cast<std::uint8_t>(length >> 16),
                                         static_cast<std::uint8_t>(length >> 8),
                                         static_cast<std::uint8_t>(length),
                                         0,
                                         0,
                                         0,
                                         next_header};
  InternetChecksum c;
  c.add(src.bytes()).add(dst.bytes()).add(tail);
  return c;
}

InternetChecksum pseudo_header(const IpAddress& src, const IpAddress& dst, std::size_t length,
                               std::uint8_t protocol) {
  if (src.is_v4()) return pseudo_header_v4(src, dst, static_cast<std::uint16_t>(length), protocol);
  return pseudo_header_v6(src, dst, static_cast<std::uint32_t>(length), protocol);
}

}  // namespace floatd::vrrp
