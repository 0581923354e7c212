// virtual_link_local, send_ra and the ra_* keys (PKT-7, L2-8): defaults,
// values, every error as FILE:LINE: key: reason, and the printed form parsing
// back to the same thing.
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd;
using namespace floatd::config;
using namespace floatd::config::test;

namespace {

constexpr std::string_view kV6 =
    "[instance v6]\n"
    "interface = eth0\n"
    "virtual_router_id = 51\n"
    "virtual_ipaddress = 2001:db8::1/64\n";

InstanceConfig v6_with(std::string_view extra) {
  const Config config = parse_ok(std::string(kV6) + std::string(extra));
  REQUIRE(config.instances.size() == 1);
  return config.instances.front();
}

std::string v6_error(std::string_view extra) {
  return one_error(std::string(kV6) + std::string(extra));
}

IpAddress ip(const char *text) { return *IpAddress::parse(text); }

}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE(
    "virtual_link_local: none by default, auto with send_ra, auto or an "
    "address") {
  CHECK_FALSE(v6_with("").virtual_link_local);
  CHECK_FALSE(v6_with("").send_ra);
  CHECK(v6_with("virtual_link_local = auto\n").virtual_link_local == ip("fe80::200:5eff:fe00:233"));
  CHECK(v6_with("send_ra = yes\n").virtual_link_local == ip("fe80::200:5eff:fe00:233"));
  CHECK(v6_with("virtual_link_local = fe80::1\n").virtual_link_local == ip("fe80::1"));
  CHECK_FALSE(v6_with("virtual_link_local = none\n").virtual_link_local);
}

TEST_CASE("virtual_link_local: errors") {
  CHECK(v6_error("virtual_link_local = 2001:db8::9\n") ==
        "t.conf:5: virtual_link_local: \"2001:db8::9\" is not auto, none or an "
        "IPv6 link-local "
        "address (fe80::X)");
  CHECK(instance_error("virtual_link_local = auto\n") ==
        "t.conf:5: virtual_link_local: only for IPv6 instances (this one is "
        "IPv4); remove the line");
  CHECK(v6_error("send_ra = yes\nvirtual_link_local = none\n") ==
        "t.conf:6: virtual_link_local: send_ra = yes needs the virtual "
        "link-local address the RAs "
        "come from (auto or fe80::X, not none)");
  CHECK(instance_error("send_ra = yes\n") ==
        "t.conf:5: send_ra: Router Advertisements are IPv6 (this instance is "
        "IPv4); set no");
}

TEST_CASE("ra keys: radvd's defaults") {
  const auto in = v6_with("send_ra = yes\n");
  CHECK(in.ra.max_interval == Centiseconds{60000});
  CHECK(in.ra.effective_min_interval() == Centiseconds{19800});
  CHECK(in.ra.effective_default_lifetime() == 1800);
  CHECK(in.ra.cur_hop_limit == 64);
  CHECK_FALSE(in.ra.managed);
  CHECK_FALSE(in.ra.other_config);
  CHECK(in.ra.link_mtu == 0);
  CHECK(in.ra.preference == RouterPreference::kMedium);
  CHECK(in.ra.prefixes.empty());
  // MaxRtrAdvInterval below 9 s: Min is 0.75 * Max (radvd.conf(5)).
  CHECK(v6_with("send_ra = yes\nra_max_interval = 4\n").ra.effective_min_interval() ==
        Centiseconds{300});
}

TEST_CASE("ra keys: values") {
  const auto in = v6_with(
      "send_ra = yes\nra_max_interval = 10\nra_min_interval = "
      "5\nra_default_lifetime = 30\n"
      "ra_cur_hop_limit = 32\nra_managed_flag = yes\nra_other_config_flag = "
      "yes\n"
      "ra_link_mtu = 1400\nra_reachable_time = 30000\nra_retrans_timer = 1000\n"
      "ra_default_preference = high\n"
      "ra_prefix = 2001:db8::/64\n"
      "ra_prefix = 2001:db8:2::/64 on_link no autonomous no valid_lifetime "
      "infinity "
      "preferred_lifetime 600\n");
  CHECK(in.ra.max_interval == Centiseconds{1000});
  CHECK(in.ra.effective_min_interval() == Centiseconds{500});
  CHECK(in.ra.effective_default_lifetime() == 30);
  CHECK(in.ra.cur_hop_limit == 32);
  CHECK(in.ra.managed);
  CHECK(in.ra.other_config);
  CHECK(in.ra.link_mtu == 1400);
  CHECK(in.ra.reachable_time == 30000);
  CHECK(in.ra.retrans_timer == 1000);
  CHECK(in.ra.preference == RouterPreference::kHigh);
  REQUIRE(in.ra.prefixes.size() == 2);
  CHECK(in.ra.prefixes[0].on_link);
  CHECK(in.ra.prefixes[0].autonomous);
  CHECK(in.ra.prefixes[0].valid_lifetime == 86400);
  CHECK(in.ra.prefixes[0].preferred_lifetime == 14400);
  CHECK_FALSE(in.ra.prefixes[1].on_link);
  CHECK_FALSE(in.ra.prefixes[1].autonomous);
  CHECK(in.ra.prefixes[1].valid_lifetime == kInfiniteLifetime);
  CHECK(in.ra.prefixes[1].preferred_lifetime == 600);
}

TEST_CASE("ra keys: each error says what is accepted") {
  CHECK(v6_error("ra_max_interval = 10\n") ==
        "t.conf:5: ra_max_interval: has no effect without send_ra = yes");
  CHECK(contains(v6_error("send_ra = yes\nra_max_interval = 2\n"), "t.conf:6: ra_max_interval: "));
  CHECK(v6_error("send_ra = yes\nra_max_interval = 10\nra_min_interval = 9\n") ==
        "t.conf:7: ra_min_interval: 9 is above 0.75 * ra_max_interval 10 (RFC "
        "4861 6.2.1)");
  CHECK(v6_error("send_ra = yes\nra_max_interval = 100\nra_default_lifetime = 50\n") ==
        "t.conf:7: ra_default_lifetime: 50 is below ra_max_interval 100 (0, or "
        "ra_max_interval..9000; RFC 4861 6.2.1)");
  CHECK(contains(v6_error("send_ra = yes\nra_link_mtu = 1000\n"),
                 "t.conf:6: ra_link_mtu: 1000 is below the IPv6 minimum MTU 1280"));
  CHECK(v6_error("send_ra = yes\nra_default_preference = top\n") ==
        "t.conf:6: ra_default_preference: \"top\" is not a router preference "
        "(low, medium or "
        "high)");
  CHECK(contains(v6_error("send_ra = yes\nra_prefix = 10.0.0.0/8\n"),
                 "t.conf:6: ra_prefix: \"10.0.0.0/8\" is not an IPv6 prefix "
                 "with its length"));
  CHECK(contains(v6_error("send_ra = yes\nra_prefix = 2001:db8::/64 color red\n"),
                 "t.conf:6: ra_prefix: unknown option \"color\""));
  CHECK(contains(v6_error("send_ra = yes\nra_prefix = 2001:db8::/64 valid_lifetime 10\n"),
                 "t.conf:6: ra_prefix: preferred_lifetime 14400 is longer than "
                 "valid_lifetime 10"));
  CHECK(v6_error("send_ra = yes\nra_prefix = 2001:db8::/64\nra_prefix = "
                 "2001:db8::/64\n") ==
        "t.conf:7: ra_prefix: 2001:db8::/64 is already listed at line 6");
}

TEST_CASE("ra keys: the printed form parses back to the same configuration") {
  for (const char *extra : {"", "virtual_link_local = auto\n", "send_ra = yes\n",
                            "send_ra = yes\nra_max_interval = 10\nra_min_interval = "
                            "5\nra_default_lifetime = 30\n"
                            "ra_link_mtu = 1500\nra_default_preference = low\nra_prefix = "
                            "2001:db8::/64 on_link no\n"}) {
    const Config first = parse_ok(std::string(kV6) + extra);
    const std::string printed = print(first);
    const Config again = parse_ok(printed);
    CHECK(first.instances == again.instances);
    CHECK(print(again) == printed);
  }
}
