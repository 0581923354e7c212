// Router Advertisement frames and the Router Solicitation check (rfc-checklist L2-8): golden
// bytes (checksum included) computed by hand in Python from RFC 4861 §4.2, §4.6 and RFC 4443
// §2.3, and each field on its own.
#include "net/router_advert_frame.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "vrrp/vmac.hpp"

using floatd::IpAddress;
using floatd::IpPrefix;
using namespace floatd::net;

namespace {

using Bytes = std::vector<std::uint8_t>;
IpAddress ip(const char* text) { return *IpAddress::parse(text); }
Bytes bytes_of(const char* text) {
  const IpAddress a = ip(text);
  return {a.bytes().begin(), a.bytes().end()};
}
Bytes slice(const Bytes& b, std::size_t at, std::size_t n) {
  return {b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n)};
}

constexpr MacAddress kVmac6{0x00, 0x00, 0x5e, 0x00, 0x02, 0x33};

RouterAdvert sample() {
  RouterAdvert ra;
  ra.cur_hop_limit = 64;
  ra.managed = true;
  ra.preference = 1;  // high
  ra.router_lifetime = 1800;
  ra.mtu = 1500;
  ra.prefixes.push_back({*IpPrefix::parse("2001:db8:1::/64"), true, true, 86400, 14400});
  ra.source_link_layer = kVmac6;
  return ra;
}

}  // namespace

TEST_CASE("router_advert_message: golden bytes, checksum included (L2-8)") {
  const Bytes expected{
      0x86, 0x00, 0x6b, 0xeb, 0x40, 0x88, 0x07, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00,
      0x38, 0x40, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00,
      0x00, 0x00, 0x05, 0xdc, 0x01, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x02, 0x33,
  };
  CHECK(router_advert_message(sample(), floatd::vrrp::virtual_link_local(0x33), ip("ff02::1")) ==
        expected);
}

TEST_CASE("router_advert_frame: Ethernet and IPv6 headers around the message") {
  const IpAddress src = floatd::vrrp::virtual_link_local(0x33);
  const Bytes f = router_advert_frame(sample(), kVmac6, src);
  const Bytes message = router_advert_message(sample(), src, ip("ff02::1"));
  REQUIRE(f.size() == 14 + 40 + message.size());
  CHECK(slice(f, 0, 6) == Bytes{0x33, 0x33, 0, 0, 0, 1});  // RFC 2464 §7: ff02::1
  CHECK(slice(f, 6, 6) == Bytes(kVmac6.begin(), kVmac6.end()));
  CHECK(slice(f, 12, 2) == Bytes{0x86, 0xdd});
  CHECK(f[14] == 0x60);
  CHECK(((f[18] << 8) | f[19]) == static_cast<int>(message.size()));
  CHECK(f[20] == 58);   // ICMPv6
  CHECK(f[21] == 255);  // RFC 4861 §6.1.2: hop limit 255
  CHECK(slice(f, 22, 16) == bytes_of("fe80::200:5eff:fe00:233"));
  CHECK(slice(f, 38, 16) == bytes_of("ff02::1"));
  CHECK(slice(f, 54, message.size()) == message);
  CHECK(router_advert_frame(sample(), kVmac6, ip("10.0.0.1")).empty());
}

TEST_CASE("router_advert_message: final RA, no options, low preference, prefix bits cleared") {
  RouterAdvert ra;
  ra.router_lifetime = 0;  // RFC 4861 §6.2.5
  ra.other_config = true;
  ra.preference = 3;  // low
  Bytes m = router_advert_message(ra, ip("fe80::1"), ip("ff02::1"));
  REQUIRE(m.size() == 16);
  CHECK(m[5] == (0x40 | (3 << 3)));
  CHECK(m[6] == 0);
  CHECK(m[7] == 0);
  ra.prefixes.push_back(
      {*IpPrefix::parse("2001:db8:1:2:ffff::1/48"), false, false, 0xffffffff, 0xffffffff});
  m = router_advert_message(ra, ip("fe80::1"), ip("ff02::1"));
  REQUIRE(m.size() == 16 + 32);
  CHECK(m[19] == 0);  // neither L nor A
  CHECK(slice(m, 20, 8) == Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  CHECK(slice(m, 32, 16) == bytes_of("2001:db8:1::"));
}

TEST_CASE("valid_router_solicitation: RFC 4861 6.1.1, one case per rule") {
  const Bytes plain{133, 0, 0x12, 0x34, 0, 0, 0, 0};
  const Bytes with_slla{133, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 1};
  CHECK(valid_router_solicitation(plain, 255, ip("fe80::2")));
  CHECK(valid_router_solicitation(with_slla, 255, ip("fe80::2")));
  CHECK_FALSE(valid_router_solicitation(plain, 64, ip("fe80::2")));                // hop limit
  CHECK_FALSE(valid_router_solicitation(slice(plain, 0, 7), 255, ip("fe80::2")));  // short
  Bytes code = plain;
  code[1] = 1;
  CHECK_FALSE(valid_router_solicitation(code, 255, ip("fe80::2")));  // code
  Bytes zero_len = with_slla;
  zero_len[9] = 0;
  CHECK_FALSE(valid_router_solicitation(zero_len, 255, ip("fe80::2")));  // option length 0
  Bytes long_opt = with_slla;
  long_opt[9] = 2;
  CHECK_FALSE(valid_router_solicitation(long_opt, 255, ip("fe80::2")));  // past the end
  CHECK(valid_router_solicitation(plain, 255, ip("::")));                // DAD-time host
  CHECK_FALSE(valid_router_solicitation(with_slla, 255, ip("::")));      // :: with SLLA
  Bytes advert = plain;
  advert[0] = 134;
  CHECK_FALSE(valid_router_solicitation(advert, 255, ip("fe80::2")));
}

TEST_CASE("virtual_link_local: the EUI-64 of the IPv6 virtual MAC (PKT-7)") {
  CHECK(floatd::vrrp::virtual_link_local(0x33) == ip("fe80::200:5eff:fe00:233"));
  CHECK(floatd::vrrp::virtual_link_local(1) == ip("fe80::200:5eff:fe00:201"));
  CHECK(floatd::vrrp::virtual_link_local(255) == ip("fe80::200:5eff:fe00:2ff"));
}
