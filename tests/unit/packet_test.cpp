// The advert codec: golden bytes (rfc-checklist §3 worked vectors), round trips for every
// version / family / checksum form, and one named case per decode() drop reason.
#include "vrrp/packet.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "vrrp/checksum.hpp"

using floatd::Centiseconds;
using floatd::Family;
using floatd::IpAddress;
using floatd::Version;
using namespace floatd::vrrp;

namespace {

using Bytes = std::vector<std::uint8_t>;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

PacketInfo info(const char* src, const char* dst, int hop_limit = 255) {
  return {ip(src), ip(dst), hop_limit};
}

const PacketInfo kV4Group = info("192.168.100.1", "224.0.0.18");
const PacketInfo kV6Group = info("fe80::1", "ff02::12");

Advert v3_advert(std::vector<IpAddress> addresses) {
  Advert a;
  a.version = Version::kV3;
  a.vrid = 1;
  a.priority = 100;
  a.interval = Centiseconds{100};
  a.addresses = std::move(addresses);
  return a;
}

Advert v2_advert() {
  Advert a = v3_advert({ip("192.168.100.254")});
  a.version = Version::kV2;
  return a;
}

Bytes v3_ipv4_golden(std::uint8_t ck_hi, std::uint8_t ck_lo) {
  return {0x31, 0x01, 0x64, 0x01, 0x00, 0x64, ck_hi, ck_lo, 0xc0, 0xa8, 0x64, 0xfe};
}

Bytes v2_golden() {
  Bytes b{0x21, 0x01, 0x64, 0x01, 0x00, 0x01, 0x55, 0x55, 0xc0, 0xa8, 0x64, 0xfe};
  b.resize(20, 0);
  return b;
}

void set_checksum(Bytes& b, std::uint16_t ck) {
  b[6] = static_cast<std::uint8_t>(ck >> 8);
  b[7] = static_cast<std::uint8_t>(ck);
}

// Recomputes the message-only checksum after a test has edited the bytes.
Bytes reseal(Bytes b) {
  set_checksum(b, 0);
  set_checksum(b, internet_checksum(b));
  return b;
}

DropReason drop_of(const Bytes& b, const PacketInfo& i) {
  const auto r = decode(b, i);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

// covers: GEN-2, GEN-3
TEST_CASE("packet: multicast groups") {
  CHECK(multicast_group(Family::kIPv4) == ip("224.0.0.18"));
  CHECK(multicast_group(Family::kIPv6) == ip("ff02::12"));
}

// covers: PKT-2, PKT-9, CK-3a, CK-3b, CK-4
TEST_CASE("packet: encode v3 over IPv4 matches the worked vectors") {
  const Advert a = v3_advert({ip("192.168.100.254")});
  const IpAddress src = ip("192.168.100.1");
  CHECK(encode(a, src, ip("224.0.0.18")) == v3_ipv4_golden(0x3f, 0xb9));
  CHECK(encode(a, src, ip("224.0.0.18"), ChecksumForm::kMessageOnly) == v3_ipv4_golden(0x44, 0xf2));
  CHECK(encode(a, src, ip("192.168.100.2")) == v3_ipv4_golden(0xfb, 0x20));
}

// covers: PKT-3, PKT-8, CK-1
TEST_CASE("packet: encode v2 matches the worked vector") {
  CHECK(encode(v2_advert(), ip("192.168.100.1"), ip("224.0.0.18")) == v2_golden());
}

// covers: PKT-2, CK-2
TEST_CASE("packet: encode v3 over IPv6 matches the worked vector") {
  const Advert a = v3_advert({ip("fe80::254"), ip("2001:db8::254")});
  Bytes expected{0x31, 0x01, 0x64, 0x02, 0x00, 0x64, 0x3b, 0x87};
  for (const auto& v : a.addresses)
    expected.insert(expected.end(), v.bytes().begin(), v.bytes().end());
  CHECK(encode(a, ip("fe80::1"), ip("ff02::12")) == expected);
}

// covers: PKT-2, PKT-3, PKT-6, CK-1, CK-2, CK-3a, CK-3b, CK-4
TEST_CASE("packet: round trip for each version, family and checksum form") {
  Advert v2 = v2_advert();
  v2.addresses.push_back(ip("10.0.0.1"));
  v2.interval = Centiseconds{300};
  const Advert v4 = v3_advert({ip("192.168.100.254"), ip("10.1.2.3")});
  const Advert v6 = v3_advert({ip("fe80::254"), ip("2001:db8::254"), ip("2001:db8::1")});
  struct Case {
    const char* name;
    Advert advert;
    PacketInfo info;
    ChecksumForm form;
    bool pseudo, message_only;
  };
  const Case cases[] = {
      {"v2", v2, kV4Group, ChecksumForm::kPseudoHeader, true, false},
      {"v3/v4 pseudo", v4, kV4Group, ChecksumForm::kPseudoHeader, true, false},
      {"v3/v4 message", v4, kV4Group, ChecksumForm::kMessageOnly, false, true},
      {"v3/v4 unicast", v4, info("192.168.100.1", "192.168.100.2"), ChecksumForm::kPseudoHeader,
       true, false},
      {"v3/v6", v6, kV6Group, ChecksumForm::kPseudoHeader, true, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto r = decode(encode(c.advert, c.info.src, c.info.dst, c.form), c.info);
    REQUIRE(r.ok());
    CHECK(r->advert == c.advert);
    CHECK(r->checksum_pseudo_header == c.pseudo);
    CHECK(r->checksum_message_only == c.message_only);
  }
}

// covers: CK-4
TEST_CASE("packet: the v3/IPv4 pseudo-header uses the real destination") {
  const Bytes unicast = v3_ipv4_golden(0xfb, 0x20);
  // Summed with the group (keepalived < 1.3.6 did that for unicast) it verifies in no form.
  CHECK(drop_of(unicast, kV4Group) == DropReason::kBadChecksum);
  const auto r = decode(unicast, info("192.168.100.1", "192.168.100.2"));
  REQUIRE(r.ok());
  CHECK(r->checksum_pseudo_header);
  CHECK_FALSE(r->checksum_message_only);
}

// covers: PKT-4
TEST_CASE("packet: v3 Rsvd bits are ignored on receive and zero on send") {
  Bytes b = v3_ipv4_golden(0, 0);
  b[4] = 0xf0;  // Rsvd all ones, Max Adver Int 100
  const auto r = decode(reseal(b), kV4Group);
  REQUIRE(r.ok());
  CHECK(r->advert.interval == Centiseconds{100});
  Advert big = v3_advert({ip("192.168.100.254")});
  big.interval = Centiseconds{40950};  // clamped to the 12-bit maximum, never into Rsvd
  const Bytes out = encode(big, ip("192.168.100.1"), ip("224.0.0.18"));
  CHECK(out[4] == 0x0f);
  CHECK(out[5] == 0xff);
}

// covers: PKT-3, PKT-8, PKT-16
TEST_CASE("packet: v2 auth data and interval on the wire") {
  Advert a = v2_advert();
  a.auth_data = {'s', 'e', 'c', 'r', 'e', 't', 0, 0};
  CHECK(encode(a, ip("192.168.100.1"), ip("224.0.0.18")) == v2_golden());  // type 0: zeros
  a.auth_type = kV2AuthPass;
  const Bytes pass = encode(a, ip("192.168.100.1"), ip("224.0.0.18"));
  CHECK(pass[4] == kV2AuthPass);
  CHECK(Bytes(pass.end() - 8, pass.end()) == Bytes(a.auth_data.begin(), a.auth_data.end()));
  CHECK(decode(pass, kV4Group)->advert == a);
  CHECK(v2_interval_seconds(Centiseconds{150}) == 1);
  CHECK(v2_interval_seconds(Centiseconds{50}) == 1);
  CHECK(v2_interval_seconds(Centiseconds{400}) == 4);
  CHECK(v2_interval_seconds(Centiseconds{99900}) == 255);
}

// covers: PKT-5, PKT-6
TEST_CASE("packet: Count is the number of addresses of the packet's family") {
  Advert a = v3_advert({ip("192.168.100.254"), ip("2001:db8::1"), ip("10.0.0.1")});
  const Bytes out = encode(a, ip("192.168.100.1"), ip("224.0.0.18"));
  CHECK(out[3] == 2);
  CHECK(out.size() == 8 + 2 * 4);
}

// covers: RX-1, PKT-12
TEST_CASE("packet: decode drops bad_ttl") {
  const Bytes good = v3_ipv4_golden(0x3f, 0xb9);
  for (int hop : {254, 64, 1, 0, -1}) {
    CAPTURE(hop);
    CHECK(drop_of(good, info("192.168.100.1", "224.0.0.18", hop)) == DropReason::kBadTtl);
  }
  CHECK(drop_of(Bytes{}, info("192.168.100.1", "224.0.0.18", 1)) == DropReason::kBadTtl);
}

// covers: RX-4
TEST_CASE("packet: decode drops too_short") {
  const Bytes good = v3_ipv4_golden(0x3f, 0xb9);
  for (std::size_t n = 0; n < 8; ++n) {
    CAPTURE(n);
    CHECK(drop_of(Bytes(good.begin(), good.begin() + static_cast<long>(n)), kV4Group) ==
          DropReason::kTooShort);
  }
}

// covers: RX-2, GEN-9, PKT-1
TEST_CASE("packet: decode drops bad_version") {
  for (std::uint8_t first : {0x01, 0x11, 0x41, 0xf1}) {
    Bytes b = v3_ipv4_golden(0, 0);
    b[0] = first;
    CHECK(drop_of(reseal(b), kV4Group) == DropReason::kBadVersion);
  }
  Bytes v2_over_v6{0x21, 0x01, 0x64, 0x01, 0x00, 0x01, 0x00, 0x00};
  v2_over_v6.resize(8 + 16 + 8, 0);
  CHECK(drop_of(reseal(v2_over_v6), kV6Group) == DropReason::kBadVersion);
}

// covers: RX-3, PKT-1
TEST_CASE("packet: decode drops bad_type") {
  for (std::uint8_t first : {0x30, 0x32, 0x3f, 0x22}) {
    Bytes b = first == 0x22 ? v2_golden() : v3_ipv4_golden(0, 0);
    b[0] = first;
    CHECK(drop_of(reseal(b), kV4Group) == DropReason::kBadType);
  }
}

// covers: RX-5, PKT-5
TEST_CASE("packet: decode drops zero_count") {
  const Bytes v3{0x31, 0x01, 0x64, 0x00, 0x00, 0x64, 0x00, 0x00};
  CHECK(drop_of(reseal(v3), kV4Group) == DropReason::kZeroCount);
  Bytes v2{0x21, 0x01, 0x64, 0x00, 0x00, 0x01, 0x00, 0x00};
  v2.resize(16, 0);
  CHECK(drop_of(reseal(v2), kV4Group) == DropReason::kZeroCount);
}

// covers: RX-4, PKT-2, PKT-3, PKT-6
TEST_CASE("packet: decode drops length_mismatch") {
  Bytes truncated = v3_ipv4_golden(0, 0);
  truncated.pop_back();
  CHECK(drop_of(reseal(truncated), kV4Group) == DropReason::kLengthMismatch);
  Bytes oversized = v3_ipv4_golden(0, 0);
  oversized.push_back(0);
  CHECK(drop_of(reseal(oversized), kV4Group) == DropReason::kLengthMismatch);
  Bytes v2_no_auth = v2_golden();
  v2_no_auth.resize(12);
  CHECK(drop_of(reseal(v2_no_auth), kV4Group) == DropReason::kLengthMismatch);
  // An IPv4 address inside an advert received over IPv6 (PKT-6).
  CHECK(drop_of(reseal(v3_ipv4_golden(0, 0)), kV6Group) == DropReason::kLengthMismatch);
}

// covers: RX-2, RX-4
TEST_CASE("packet: decode drops a CARP advert as length_mismatch") {
  // OpenBSD/ucarp carp_header (36 octets): ver 2 | type 1 (0x21, same as VRRPv2), vhid 1,
  // advskew 0, authlen 7, pad, advbase 1, cksum, 64-bit counter, 20-octet SHA1 HMAC.
  Bytes carp{0x21, 0x01, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00,
             0x5f, 0x3a, 0x91, 0x0c, 0x00, 0x00, 0x00, 0x2a};
  const Bytes md{0x8d, 0x13, 0x6e, 0x4a, 0xf2, 0x07, 0xb1, 0x9c, 0x33, 0x50,
                 0xe4, 0x2d, 0x7b, 0xa8, 0x16, 0xc9, 0x0f, 0x64, 0xd5, 0x81};
  carp.insert(carp.end(), md.begin(), md.end());
  carp = reseal(carp);  // CARP's checksum is message-only, like VRRPv2's
  REQUIRE(carp.size() == 36);
  REQUIRE(InternetChecksum{}.add(carp).verifies());
  // Read as VRRPv2 "Count" is authlen 7, which implies 16 + 28 = 44 octets.
  CHECK(drop_of(carp, kV4Group) == DropReason::kLengthMismatch);
}

// covers: RX-6, CK-1, CK-2, CK-3, CK-5
TEST_CASE("packet: decode drops bad_checksum") {
  Bytes v3 = v3_ipv4_golden(0x3f, 0xb9);
  v3[7] ^= 0x01;
  CHECK(drop_of(v3, kV4Group) == DropReason::kBadChecksum);
  // v2 with a pseudo-header checksum: v2 never uses one (CK-1).
  Bytes v2 = v2_golden();
  const auto ph = pseudo_header(kV4Group.src, kV4Group.dst, 20, kIpProtoVrrp);
  set_checksum(v2, 0);
  set_checksum(v2, InternetChecksum{ph}.add(v2).checksum());
  CHECK(drop_of(v2, kV4Group) == DropReason::kBadChecksum);
  // v3/IPv6 with a message-only checksum: IPv6 always uses the pseudo-header (CK-2).
  const Advert a = v3_advert({ip("fe80::254")});
  const Bytes v6 = reseal(encode(a, kV6Group.src, kV6Group.dst));
  CHECK(drop_of(v6, kV6Group) == DropReason::kBadChecksum);
  CHECK(drop_of(encode(a, kV6Group.src, kV6Group.dst), info("fe80::2", "ff02::12")) ==
        DropReason::kBadChecksum);
}

// covers: RX-10
TEST_CASE("packet: decode drops zero_interval") {
  Advert a = v3_advert({ip("192.168.100.254")});
  a.interval = Centiseconds{0};
  CHECK(drop_of(encode(a, kV4Group.src, kV4Group.dst), kV4Group) == DropReason::kZeroInterval);
  Bytes rsvd_only = v3_ipv4_golden(0, 0);  // Rsvd set, interval bits zero: still zero
  rsvd_only[4] = 0xf0;
  rsvd_only[5] = 0x00;
  CHECK(drop_of(reseal(rsvd_only), kV4Group) == DropReason::kZeroInterval);
}

TEST_CASE("packet: decode checks run in the checklist's order") {
  Bytes b = v3_ipv4_golden(0, 0);
  b[0] = 0x42;  // bad version and bad type
  b[3] = 0;     // zero count
  CHECK(drop_of(b, info("192.168.100.1", "224.0.0.18", 1)) == DropReason::kBadTtl);
  CHECK(drop_of(b, kV4Group) == DropReason::kBadVersion);
  b[0] = 0x32;
  CHECK(drop_of(b, kV4Group) == DropReason::kBadType);
  b[0] = 0x31;
  CHECK(drop_of(b, kV4Group) == DropReason::kZeroCount);
  b[3] = 2;
  CHECK(drop_of(b, kV4Group) == DropReason::kLengthMismatch);
}
