// Gratuitous ARP and unsolicited NA frames (rfc-checklist L2-10), checked field by field. The
// ICMPv6 checksum is re-summed here by a separate, deliberately plain implementation.
#include "net/announce_frames.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <vector>

using floatd::IpAddress;
using namespace floatd::net;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

using Bytes = std::vector<std::uint8_t>;
Bytes slice(const Bytes& b, std::size_t at, std::size_t n) {
  return {b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n)};
}
Bytes to_bytes(std::span<const std::uint8_t> s) { return {s.begin(), s.end()}; }
Bytes to_bytes(const MacAddress& m) { return {m.begin(), m.end()}; }
unsigned be16(const Bytes& b, std::size_t at) { return (b[at] << 8) | b[at + 1]; }

// RFC 1071 sum of 16-bit words, folded; the pseudo-header (RFC 8200 §8.1) is laid out as bytes.
unsigned icmpv6_sum(const Bytes& frame) {
  Bytes pseudo = slice(frame, 22, 32);  // IPv6 src and dst
  const std::size_t len = frame.size() - 54;
  pseudo.insert(pseudo.end(), {0, 0, static_cast<std::uint8_t>(len >> 8),
                               static_cast<std::uint8_t>(len), 0, 0, 0, 58});
  pseudo.insert(pseudo.end(), frame.begin() + 54, frame.end());
  if (pseudo.size() % 2) pseudo.push_back(0);
  unsigned long sum = 0;
  for (std::size_t i = 0; i < pseudo.size(); i += 2) sum += be16(pseudo, i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<unsigned>(sum);
}

constexpr MacAddress kVmac4{0x00, 0x00, 0x5e, 0x00, 0x01, 0x33};
constexpr MacAddress kVmac6{0x00, 0x00, 0x5e, 0x00, 0x02, 0x33};

}  // namespace

TEST_CASE("gratuitous_arp: request form from the virtual MAC (L2-10)") {
  const IpAddress vip = ip("192.168.100.100");
  const Bytes f = gratuitous_arp(kVmac4, vip);
  REQUIRE(f.size() == kGarpFrameSize);
  CHECK(slice(f, 0, 6) == Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff});  // broadcast
  CHECK(slice(f, 6, 6) == to_bytes(kVmac4));                           // Ethernet source
  CHECK(be16(f, 12) == 0x0806);
  CHECK(be16(f, 14) == 1);       // hardware type Ethernet
  CHECK(be16(f, 16) == 0x0800);  // protocol type IPv4
  CHECK(f[18] == 6);
  CHECK(f[19] == 4);
  CHECK(be16(f, 20) == 1);  // request
  CHECK(slice(f, 22, 6) == to_bytes(kVmac4));
  CHECK(slice(f, 28, 4) == to_bytes(vip.bytes()));
  CHECK(slice(f, 32, 6) == Bytes(6, 0));
  CHECK(slice(f, 38, 4) == to_bytes(vip.bytes()));
}

TEST_CASE("gratuitous_arp: an IPv6 address gives no frame") {
  CHECK(gratuitous_arp(kVmac4, ip("2001:db8::100")).empty());
}

TEST_CASE("unsolicited_na: Ethernet and IPv6 headers (L2-10)") {
  const IpAddress src = ip("fe80::a");
  const Bytes f = unsolicited_na(kVmac6, src, ip("2001:db8::100"), true);
  REQUIRE(f.size() == kNaFrameSize);
  CHECK(slice(f, 0, 6) == Bytes{0x33, 0x33, 0, 0, 0, 1});
  CHECK(slice(f, 6, 6) == to_bytes(kVmac6));
  CHECK(be16(f, 12) == 0x86dd);
  CHECK(slice(f, 14, 4) == Bytes{0x60, 0, 0, 0});  // version 6, class 0, flow 0
  CHECK(be16(f, 18) == 32);                        // payload length
  CHECK(f[20] == 58);                              // ICMPv6
  CHECK(f[21] == 255);                             // hop limit (RFC 4861 §7.1.2)
  CHECK(slice(f, 22, 16) == to_bytes(src.bytes()));
  CHECK(slice(f, 38, 16) == to_bytes(ip("ff02::1").bytes()));
}

TEST_CASE("unsolicited_na: ICMPv6 body, flags and option") {
  const IpAddress vip = ip("2001:db8::100");
  const Bytes f = unsolicited_na(kVmac6, ip("fe80::a"), vip, true);
  REQUIRE(f.size() == kNaFrameSize);
  CHECK(f[54] == 136);   // Neighbor Advertisement
  CHECK(f[55] == 0);     // code
  CHECK(f[58] == 0xa0);  // R=1, S=0, O=1
  CHECK(slice(f, 59, 3) == Bytes(3, 0));
  CHECK(slice(f, 62, 16) == to_bytes(vip.bytes()));
  CHECK(f[78] == 2);  // Target Link-Layer Address
  CHECK(f[79] == 1);  // 8 octets
  CHECK(slice(f, 80, 6) == to_bytes(kVmac6));
}

TEST_CASE("unsolicited_na: Router flag clear when not a router") {
  const Bytes f = unsolicited_na(kVmac6, ip("fe80::a"), ip("2001:db8::100"), false);
  REQUIRE(f.size() == kNaFrameSize);
  CHECK(f[58] == 0x20);  // O only
}

TEST_CASE("unsolicited_na: checksum verifies over the pseudo-header") {
  for (const bool router : {true, false}) {
    const Bytes f = unsolicited_na(kVmac6, ip("fe80::a"), ip("2001:db8::100"), router);
    REQUIRE(f.size() == kNaFrameSize);
    CHECK(be16(f, 56) != 0);
    CHECK(icmpv6_sum(f) == 0xffff);
    Bytes corrupted = f;
    corrupted[70] ^= 0x01;  // a bit of the target address
    CHECK(icmpv6_sum(corrupted) != 0xffff);
  }
}

TEST_CASE("unsolicited_na: checksum golden value") {
  // Computed outside floatd (Python, struct.unpack of 16-bit words over the RFC 8200 §8.1
  // pseudo-header of fe80::a -> ff02::1, length 32, next header 58, and the NA with R+O, target
  // 2001:db8::100 and TLLA 00:00:5e:00:02:33), folded and complemented.
  const Bytes f = unsolicited_na(kVmac6, ip("fe80::a"), ip("2001:db8::100"), true);
  REQUIRE(f.size() == kNaFrameSize);
  CHECK(be16(f, 56) == 0x4928);
}

TEST_CASE("unsolicited_na: IPv4 addresses give no frame") {
  CHECK(unsolicited_na(kVmac6, ip("192.168.100.1"), ip("2001:db8::100"), true).empty());
  CHECK(unsolicited_na(kVmac6, ip("fe80::a"), ip("192.168.100.100"), true).empty());
}
