// RFC 1071 checksum and the VRRP pseudo-headers, checked against the worked vectors of
// rfc-checklist §3 (recomputed by hand for the v2 vector, see below).
#include "vrrp/checksum.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "vrrp/packet.hpp"

using floatd::IpAddress;
using namespace floatd::vrrp;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// 31 01 64 01 00 64 CK CK c0 a8 64 fe: v3, VRID 1, prio 100, Max Adver Int 100, 192.168.100.254.
const std::vector<std::uint8_t> kV3Ipv4{0x31, 0x01, 0x64, 0x01, 0x00, 0x64,
                                        0x00, 0x00, 0xc0, 0xa8, 0x64, 0xfe};

std::uint16_t with_pseudo(const std::vector<std::uint8_t>& m, const char* src, const char* dst) {
  return pseudo_header(ip(src), ip(dst), m.size(), kIpProtoVrrp).add(m).checksum();
}

}  // namespace

TEST_CASE("checksum: RFC 1071 §3 numerical example") {
  const std::array<std::uint8_t, 8> bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  InternetChecksum c;
  c.add(bytes);
  CHECK(c.sum() == 0xddf2);
  CHECK(c.checksum() == 0x220d);
  CHECK(internet_checksum(bytes) == 0x220d);
}

TEST_CASE("checksum: carries fold back, empty input, odd length pads with zero") {
  CHECK(InternetChecksum{}.add(std::array<std::uint8_t, 4>{0xff, 0xff, 0x00, 0x01}).sum() == 1);
  CHECK(internet_checksum({}) == 0xffff);
  CHECK(InternetChecksum{}.add(std::array<std::uint8_t, 1>{0xab}).sum() == 0xab00);
  CHECK(internet_checksum(std::array<std::uint8_t, 3>{0x12, 0x34, 0x56}) ==
        internet_checksum(std::array<std::uint8_t, 4>{0x12, 0x34, 0x56, 0x00}));
}

TEST_CASE("checksum: spans split at an odd offset sum like one buffer") {
  const std::array<std::uint8_t, 7> all{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  const std::span<const std::uint8_t> s(all);
  InternetChecksum split;
  split.add(s.first(3)).add(s.subspan(3, 1)).add(s.subspan(4));
  CHECK(split.sum() == InternetChecksum{}.add(all).sum());
}

TEST_CASE("checksum: every length and split point agrees with RFC 1071's word-by-word sum") {
  // The reference: one 16-bit word at a time, a trailing odd byte padded with zero.
  auto reference = [](std::span<const std::uint8_t> b) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < b.size(); i += 2) {
      sum += static_cast<std::uint64_t>(b[i]) << 8 | (i + 1 < b.size() ? b[i + 1] : 0);
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
  };
  std::vector<std::uint8_t> bytes(41);
  std::uint32_t x = 12345;
  for (auto& b : bytes) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  const std::span<const std::uint8_t> all(bytes);
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const auto part = all.first(len);
    CHECK(InternetChecksum{}.add(part).sum() == reference(part));
    for (std::size_t cut = 0; cut <= len; ++cut) {
      InternetChecksum split;
      split.add(part.first(cut)).add(part.subspan(cut));
      CHECK(split.sum() == reference(part));
    }
  }
}

TEST_CASE("checksum: a message carrying its checksum verifies") {
  auto m = kV3Ipv4;
  const std::uint16_t ck = internet_checksum(m);
  m[6] = static_cast<std::uint8_t>(ck >> 8);
  m[7] = static_cast<std::uint8_t>(ck);
  CHECK(InternetChecksum{}.add(m).verifies());
  m[2] ^= 0x01;
  CHECK_FALSE(InternetChecksum{}.add(m).verifies());
}

// covers: CK-3a, CK-3b, CK-4
TEST_CASE("checksum: worked vectors, v3 over IPv4") {
  CHECK(with_pseudo(kV3Ipv4, "192.168.100.1", "224.0.0.18") == 0x3fb9);     // CK-3a
  CHECK(internet_checksum(kV3Ipv4) == 0x44f2);                              // CK-3b
  CHECK(with_pseudo(kV3Ipv4, "192.168.100.1", "192.168.100.2") == 0xfb20);  // CK-4 unicast
}

// covers: CK-1
TEST_CASE("checksum: worked vector, v2 (message only)") {
  // By hand: 2101 + 6401 + 0001 + 0000 + c0a8 + 64fe = 0x1aaa9 -> fold 0xaaaa -> ~ 0x5555.
  std::vector<std::uint8_t> m{0x21, 0x01, 0x64, 0x01, 0x00, 0x01,
                              0x00, 0x00, 0xc0, 0xa8, 0x64, 0xfe};
  m.resize(20, 0);
  CHECK(internet_checksum(m) == 0x5555);
}

// covers: CK-2
TEST_CASE("checksum: worked vector, v3 over IPv6") {
  std::vector<std::uint8_t> m{0x31, 0x01, 0x64, 0x02, 0x00, 0x64, 0x00, 0x00};
  for (const char* vip : {"fe80::254", "2001:db8::254"}) {
    const IpAddress a = ip(vip);  // bytes() is a view into it
    m.insert(m.end(), a.bytes().begin(), a.bytes().end());
  }
  REQUIRE(m.size() == 40);
  CHECK(with_pseudo(m, "fe80::1", "ff02::12") == 0x3b87);
}

// covers: CK-2, CK-7
TEST_CASE("checksum: IPv6 pseudo-header layout and FRR's htons/htonl length") {
  const IpAddress src = ip("fe80::1");
  const IpAddress dst = ip("ff02::12");
  std::vector<std::uint8_t> canonical;
  for (const auto& a : {src, dst})
    canonical.insert(canonical.end(), a.bytes().begin(), a.bytes().end());
  auto htons_variant = canonical;
  canonical.insert(canonical.end(), {0x00, 0x00, 0x00, 0x28, 0, 0, 0, kIpProtoVrrp});
  // htons(40) stored in a 32-bit field on a little-endian host: 00 28 00 00.
  htons_variant.insert(htons_variant.end(), {0x00, 0x28, 0x00, 0x00, 0, 0, 0, kIpProtoVrrp});
  CHECK(pseudo_header_v6(src, dst, 40, kIpProtoVrrp).sum() ==
        InternetChecksum{}.add(canonical).sum());
  CHECK(InternetChecksum{}.add(htons_variant).sum() == InternetChecksum{}.add(canonical).sum());
}

// covers: CK-3a
TEST_CASE("checksum: IPv4 pseudo-header layout") {
  const std::vector<std::uint8_t> layout{192, 168, 100, 1, 224, 0, 0, 18, 0, kIpProtoVrrp, 0, 12};
  const auto ph = pseudo_header_v4(ip("192.168.100.1"), ip("224.0.0.18"), 12, kIpProtoVrrp);
  CHECK(ph.sum() == InternetChecksum{}.add(layout).sum());
  CHECK(pseudo_header(ip("192.168.100.1"), ip("224.0.0.18"), 12, kIpProtoVrrp).sum() == ph.sum());
}
