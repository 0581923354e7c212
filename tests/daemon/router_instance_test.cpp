// The router role of an IPv6 instance (PKT-7, L2-8): the virtual link-local
// held and listed first, Router Advertisements while Master, answers to
// solicitations, the final RA with lifetime 0 when it stops being Master, none
// from a Backup. Fake ports and a fake clock.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "daemon/instance.hpp"
#include "fake_ports.hpp"
#include "instance_driver.hpp"
#include "vrrp/packet.hpp"

using namespace floatd;  // NOLINT
using floatd::test::FakePorts;
using floatd::test::MemoryLog;

namespace {

const IpAddress kVll = *IpAddress::parse("fe80::200:5eff:fe00:233");

config::InstanceConfig parse_v6(const std::string &extra) {
  return test::parse_instance_text(
      "[instance v6]\ninterface = "
      "eth0\nvirtual_router_id = 51\npriority = 150\n"
      "advert_int = 1\nvirtual_ipaddress = "
      "2001:db8::100/64\ngarp_master_delay = 0\n"
      "garp_master_repeat = 1\n" +
      extra);
}

struct Fixture {
  FakePorts ports;
  MemoryLog log;
  FakeClock clock;
  daemon::Instance instance;
  explicit Fixture(const std::string &extra) : instance(parse_v6(extra), ports, log) {}
  void start_as_master() {
    auto info = test::fake_interface(2, "eth0", "fe80::2/64");
    instance.update_interface(&info, clock.now());
    instance.start(clock.now());
    clock.set(*instance.next_deadline());
    instance.tick(clock.now());
    REQUIRE(instance.machine().state() == State::kMaster);
  }
  void run_until(MonoTime until) { test::run_until(instance, clock, until); }
};

}  // namespace

TEST_CASE(
    "virtual link-local: held by the Master, first in the advert, source "
    "unchanged") {
  Fixture f("virtual_link_local = auto\n");  // covers: PKT-7
  f.start_as_master();
  CHECK(f.ports.count("add eth0 fe80::200:5eff:fe00:233/64") == 1);
  CHECK(f.ports.count("add eth0 2001:db8::100/64") == 1);
  CHECK(f.ports.count("announce eth0 fe80::200:5eff:fe00:233") == 1);
  const auto &a = f.ports.adverts.at(0);
  CHECK(a.src == *IpAddress::parse("fe80::2"));  // RFC 5798 §5.1.2.1: the interface's own
  auto decoded = vrrp::decode(a.message, {a.src, a.dst, 255});
  REQUIRE(decoded.ok());
  REQUIRE(decoded->advert.addresses.size() == 2);
  CHECK(decoded->advert.addresses[0] == kVll);
  CHECK(f.ports.count("ra ") == 0);  // no send_ra: no Router Advertisement
  f.instance.stop(f.clock.now());
  CHECK(f.ports.count("remove eth0 fe80::200:5eff:fe00:233/64") == 1);
}

TEST_CASE(
    "send_ra: an RA at once on becoming Master, then within the "
    "interval") {  // covers: L2-8
  Fixture f("send_ra = yes\nra_max_interval = 4\n");
  f.start_as_master();
  REQUIRE(f.ports.count("ra eth0 fe80::200:5eff:fe00:233 lifetime 12") == 1);
  const auto &ra = f.ports.router_adverts.at(0);
  CHECK(ra.cur_hop_limit == 64);
  CHECK(ra.router_lifetime == 12);  // 3 * MaxRtrAdvInterval
  const MonoTime first = f.clock.now();
  f.run_until(first + std::chrono::seconds{4});
  CHECK(f.ports.count("ra ") == 2);  // the next after 3..4 s
}

TEST_CASE("send_ra: a solicitation is answered within 0.5 s, by the Master only") {
  Fixture f("send_ra = yes\nra_max_interval = 1800\n");
  f.start_as_master();
  f.run_until(f.clock.now() + std::chrono::seconds{60});  // past the initial three
  const int before = f.ports.count("ra ");
  f.instance.solicited(f.clock.now());
  f.run_until(f.clock.now() + std::chrono::milliseconds{500});
  CHECK(f.ports.count("ra ") == before + 1);
  CHECK(f.instance.stats().solicitations_heard == 1);
}

TEST_CASE(
    "send_ra: leaving Master sends a final RA with lifetime 0; a Backup "
    "sends none") {
  Fixture f("send_ra = yes\n");
  f.start_as_master();
  // A higher priority takes over: Backup (RFC 5798 §6.4.3).
  vrrp::Advert better;
  better.version = Version::kV3;
  better.vrid = 51;
  better.priority = 200;
  better.interval = Centiseconds{100};
  better.addresses = {kVll, *IpAddress::parse("2001:db8::100")};
  const IpAddress peer = *IpAddress::parse("fe80::3");
  const IpAddress group = *IpAddress::parse("ff02::12");
  auto bytes = vrrp::encode(better, peer, group, vrrp::ChecksumForm::kPseudoHeader);
  auto decoded = vrrp::decode(bytes, {peer, group, 255});
  REQUIRE(decoded.ok());
  f.instance.receive(*decoded, {peer, group, 255}, f.clock.now());
  REQUIRE(f.instance.machine().state() == State::kBackup);
  CHECK(f.ports.count("ra eth0 fe80::200:5eff:fe00:233 lifetime 0") == 1);
  const int sent = f.ports.count("ra ");
  f.instance.solicited(f.clock.now());
  f.run_until(f.clock.now() + std::chrono::seconds{1});  // before Master_Down_Interval
  CHECK(f.instance.machine().state() == State::kBackup);
  CHECK(f.ports.count("ra ") == sent);  // RFC 5798 §8.2.3: a Backup sends none
  CHECK(f.instance.sends_ra());
}

TEST_CASE("send_ra: stopping a Master sends the final RA") {
  Fixture f("send_ra = yes\n");
  f.start_as_master();
  f.instance.stop(f.clock.now());
  CHECK(f.ports.count("ra eth0 fe80::200:5eff:fe00:233 lifetime 0") == 1);
}

TEST_CASE("send_ra: a reload that keeps the RA settings keeps the schedule; a change restarts it") {
  Fixture f("send_ra = yes\n");
  f.start_as_master();
  const int sent = f.ports.count("ra ");
  f.instance.reconfigure(parse_v6("send_ra = yes\npreempt = no\n"), f.clock.now());
  CHECK(f.ports.count("ra ") == sent);  // nothing new to say
  f.instance.reconfigure(parse_v6("send_ra = yes\nra_link_mtu = 1400\n"), f.clock.now());
  CHECK(f.ports.count("ra eth0 fe80::200:5eff:fe00:233 lifetime 0") == 1);  // the old ones end
  CHECK(f.ports.count("ra ") == sent + 2);                                  // the new start
  CHECK(f.ports.router_adverts.back().mtu == 1400);
  f.instance.reconfigure(parse_v6(""), f.clock.now());  // send_ra off: a final RA, then none
  CHECK(f.ports.count("ra eth0 fe80::200:5eff:fe00:233 lifetime 0") == 2);
  CHECK_FALSE(f.instance.sends_ra());
}
