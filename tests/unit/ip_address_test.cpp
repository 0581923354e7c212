// IpAddress and IpPrefix: parsing, printing, the network-byte-order ordering that is the
// VRRP tie-break (RFC 9568 §6.4.3, rfc-checklist ERR-4), link-local detection.
#include "floatd/ip_address.hpp"

#include <doctest/doctest.h>

#include <array>
#include <compare>
#include <cstdint>
#include <vector>

using floatd::Family;
using floatd::IpAddress;
using floatd::IpPrefix;

namespace {

IpAddress ip(const char* text) {
  const auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

}  // namespace

TEST_CASE("ip_address: parse and print IPv4") {
  const IpAddress a = ip("192.168.100.254");
  CHECK(a.is_v4());
  CHECK(a.family() == Family::kIPv4);
  CHECK(a.size() == 4);
  CHECK(a == IpAddress::v4({192, 168, 100, 254}));
  CHECK(a.to_string() == "192.168.100.254");
  CHECK(IpAddress{}.to_string() == "0.0.0.0");
  CHECK(IpAddress{}.is_unspecified());
}

TEST_CASE("ip_address: parse and print IPv6 in canonical form") {
  const IpAddress a = ip("2001:0DB8:0000::0254");
  CHECK(a.is_v6());
  CHECK(a.size() == 16);
  CHECK(a.to_string() == "2001:db8::254");
  CHECK(ip("::").is_unspecified());
  CHECK(ip("::ffff:10.0.0.1").is_v6());
  CHECK(ip("ff02::12").to_string() == "ff02::12");
}

TEST_CASE("ip_address: parse rejects what is not a literal address") {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 ", " 1.2.3.4", "01.2.3.4", "localhost",
        "fe80::1%eth0", "1::2::3", "12345::", "10.0.0.1/24", ":::"}) {
    CAPTURE(bad);
    CHECK_FALSE(IpAddress::parse(bad).has_value());
  }
}

TEST_CASE("ip_address: from_bytes picks the family by size") {
  const std::array<std::uint8_t, 4> four{10, 0, 0, 1};
  const std::array<std::uint8_t, 16> sixteen{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::array<std::uint8_t, 5> five{};
  CHECK(IpAddress::from_bytes(four) == ip("10.0.0.1"));
  CHECK(IpAddress::from_bytes(sixteen) == ip("fe80::1"));
  CHECK_FALSE(IpAddress::from_bytes(five).has_value());
  CHECK_FALSE(IpAddress::from_bytes({}).has_value());
  const IpAddress a = ip("10.0.0.1");  // bytes() is a view into it
  const auto b = a.bytes();
  CHECK(std::vector<std::uint8_t>(b.begin(), b.end()) == std::vector<std::uint8_t>{10, 0, 0, 1});
}

// covers: ERR-4, SM-12, RX-16
TEST_CASE("ip_address: ordering is an unsigned compare in network byte order") {
  // Little-endian host-order compare would put 1.0.0.2 (0x02000001) above 2.0.0.1.
  CHECK(ip("1.0.0.2") < ip("2.0.0.1"));
  CHECK(ip("192.168.1.10") > ip("192.168.1.9"));
  CHECK(ip("128.0.0.1") > ip("127.255.255.255"));  // unsigned: the top bit is not a sign
  CHECK(ip("255.255.255.255") > ip("10.0.0.1"));
  CHECK(ip("2001:db8::2") > ip("2001:db8::1"));
  CHECK(ip("fe80::1") > ip("2001:db8::ffff"));
  CHECK(ip("10.0.0.1") == ip("10.0.0.1"));
  CHECK((ip("10.0.0.1") <=> ip("10.0.0.1")) == std::strong_ordering::equal);
  CHECK(ip("255.255.255.255") < ip("::"));  // families never mix: IPv4 sorts first
  CHECK(ip("0.0.0.1") != ip("::1"));
}

TEST_CASE("ip_address: link-local, multicast") {
  CHECK(ip("fe80::1").is_link_local());
  CHECK(ip("febf:ffff::1").is_link_local());  // fe80::/10
  CHECK_FALSE(ip("fec0::1").is_link_local());
  CHECK_FALSE(ip("2001:db8::1").is_link_local());
  CHECK(ip("169.254.1.1").is_link_local());
  CHECK_FALSE(ip("169.253.1.1").is_link_local());
  CHECK_FALSE(ip("192.168.1.1").is_link_local());
  CHECK(ip("224.0.0.18").is_multicast());
  CHECK(ip("239.255.255.255").is_multicast());
  CHECK_FALSE(ip("240.0.0.1").is_multicast());
  CHECK(ip("ff02::12").is_multicast());
  CHECK_FALSE(ip("fe80::1").is_multicast());
}

TEST_CASE("ip_address: family names") {
  CHECK(floatd::family_name(Family::kIPv4) == "v4");
  CHECK(floatd::family_name(Family::kIPv6) == "v6");
}

TEST_CASE("ip_prefix: parse with and without a length") {
  const auto p = IpPrefix::parse("10.0.0.100/24");
  REQUIRE(p.has_value());
  CHECK(p->address == ip("10.0.0.100"));
  CHECK(p->prefix_len == 24);
  CHECK(p->to_string() == "10.0.0.100/24");
  CHECK(IpPrefix::parse("10.0.0.1")->prefix_len == 32);
  CHECK(IpPrefix::parse("2001:db8::1")->prefix_len == 128);
  CHECK(IpPrefix::parse("2001:db8::1/64")->to_string() == "2001:db8::1/64");
  CHECK(IpPrefix::parse("0.0.0.0/0")->prefix_len == 0);
  CHECK(IpPrefix::parse("::/0")->prefix_len == 0);
  CHECK(IpPrefix::parse("10.0.0.1/32")->prefix_len == 32);
  CHECK(IpPrefix::parse("fe80::1/128")->prefix_len == 128);
}

TEST_CASE("ip_prefix: parse edge cases") {
  for (const char* bad : {"", "/24", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/-1", "10.0.0.1/+8",
                          "10.0.0.1/24/8", "10.0.0.1/2x", "10.0.0.1/ 24", "10.0.0.1 /24",
                          "2001:db8::1/129", "10.0.0.1/99999999999999999999", "nope/24"}) {
    CAPTURE(bad);
    CHECK_FALSE(IpPrefix::parse(bad).has_value());
  }
  CHECK(IpPrefix::parse("10.0.0.1/024")->prefix_len == 24);  // from_chars: leading zero is fine
}
