// v2_compat at the instance layer (RFC 5798 / RFC 9568 §8.4.2; rfc-checklist IOP-1..IOP-4):
// a Master sends a VRRPv2 advert beside each VRRPv3 one at the configured rate, a Backup
// hears both, ignores the v2 copies of a router that sends v3 and times out on a v2 Master's
// rate; the v3-only Master and the v2 router that outranks a sub-second rate are reported.
// covers: IOP-1..IOP-4
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "daemon/instance.hpp"
#include "fake_ports.hpp"
#include "instance_driver.hpp"

using namespace floatd;  // NOLINT
using floatd::test::FakePorts;
using floatd::test::MemoryLog;
using std::chrono::milliseconds;

namespace {

config::InstanceConfig dual_instance(const std::string& extra) {
  return test::parse_instance_text(
      "[instance web]\ninterface = eth0\nvirtual_router_id = 51\nversion = 3\n"
      "virtual_ipaddress = 192.168.100.100/24\ngarp_master_delay = 0\n" + extra);
}

struct Dual {
  FakePorts ports;
  MemoryLog log;
  FakeClock clock;
  daemon::Instance instance;
  explicit Dual(const std::string& extra = "priority = 150\nadvert_int = 0.1\nv2_compat = yes\n")
      : instance(dual_instance(extra), ports, log) {
    auto info = test::fake_interface(2, "eth0", "192.168.100.2/24", true);
    instance.update_interface(&info, clock.now());
    instance.start(clock.now());
  }
  void become_master() {
    clock.set(*instance.next_deadline());
    instance.tick(clock.now());
    REQUIRE(instance.machine().state() == State::kMaster);
  }
  // Runs the timers for `d`.
  void run_for(Microseconds d) {
    const MonoTime end = clock.now() + d;
    while (instance.next_deadline() && *instance.next_deadline() <= end) {
      clock.set(*instance.next_deadline());
      instance.tick(clock.now());
    }
    clock.set(end);
  }
  void hear(Version v, Priority prio, Centiseconds interval, const char* src) {
    vrrp::Advert a;
    a.version = v;
    a.vrid = 51;
    a.priority = prio;
    a.interval = interval;
    a.addresses = {*IpAddress::parse("192.168.100.100")};
    const vrrp::PacketInfo info{*IpAddress::parse(src), *IpAddress::parse("224.0.0.18"), 255};
    auto decoded = vrrp::decode(vrrp::encode(a, info.src, info.dst), info);
    REQUIRE(decoded.ok());
    instance.receive(*decoded, info, clock.now());
  }
  bool logged(const std::string& text) const {
    for (const auto& l : log.lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

std::vector<vrrp::Advert> sent(const FakePorts& ports) {
  std::vector<vrrp::Advert> out;
  for (const auto& a : ports.adverts) {
    auto d = vrrp::decode(a.message, {a.src, a.dst, 255});
    REQUIRE(d.ok());
    out.push_back(d->advert);
  }
  return out;
}

}  // namespace

TEST_CASE("IOP-2: a v2_compat Master sends v3 and then v2 every interval, even sub-second") {
  Dual d;
  d.become_master();
  d.run_for(milliseconds{1000});  // ten more Adver_Timer periods at 0.1 s
  const auto adverts = sent(d.ports);
  REQUIRE(adverts.size() == 22);  // the first pair as it became Master, then ten pairs
  for (std::size_t i = 0; i < adverts.size(); i += 2) {
    CHECK(adverts[i].version == Version::kV3);
    CHECK(adverts[i].interval == Centiseconds{10});
    CHECK(adverts[i + 1].version == Version::kV2);
    CHECK(adverts[i + 1].interval == Centiseconds{100});  // Adver Int 1: whole seconds, at least 1
    CHECK(adverts[i + 1].priority == 150);
    CHECK(d.ports.adverts[i].dst == d.ports.adverts[i + 1].dst);
  }
  CHECK(d.instance.stats().adverts_sent == 22);
  CHECK(d.instance.stats().v2_adverts_sent == 11);
}

TEST_CASE("IOP-2: a v2_compat Master resigns in both versions") {
  Dual d;
  d.become_master();
  d.ports.adverts.clear();
  d.instance.stop(d.clock.now());
  const auto adverts = sent(d.ports);
  REQUIRE(adverts.size() == 2);
  CHECK(adverts[0].version == Version::kV3);
  CHECK(adverts[1].version == Version::kV2);
  CHECK(adverts[0].priority == 0);
  CHECK(adverts[1].priority == 0);
}

TEST_CASE("IOP-2: with PASS only the v2 adverts carry the password") {
  Dual d("priority = 150\nadvert_int = 1\nv2_compat = yes\nauth_type = PASS\nauth_pass = secret12\n");
  d.become_master();
  const auto adverts = sent(d.ports);
  REQUIRE(adverts.size() == 2);
  CHECK(adverts[1].version == Version::kV2);
  CHECK(adverts[1].auth_type == vrrp::kV2AuthPass);
  const std::array<std::uint8_t, 8> pass{'s', 'e', 'c', 'r', 'e', 't', '1', '2'};
  CHECK(adverts[1].auth_data == pass);
  CHECK(d.ports.adverts[0].message.size() + vrrp::kV2AuthSize == d.ports.adverts[1].message.size());
}

TEST_CASE("IOP-1: without v2_compat only v3 is sent and v2 is dropped (RX-2)") {
  Dual d("priority = 150\nadvert_int = 0.1\n");
  d.become_master();
  d.run_for(milliseconds{1000});
  for (const auto& a : sent(d.ports)) CHECK(a.version == Version::kV3);
  d.hear(Version::kV2, 200, Centiseconds{100}, "192.168.100.4");
  CHECK(d.instance.stats().drops[vrrp::DropReason::kVersionMismatch] == 1);
  CHECK(d.instance.machine().state() == State::kMaster);
}

// The migration's first step: a v2_compat floatd beside a keepalived VRRPv2 Master at 1 s.
TEST_CASE("IOP-1, IOP-3: a Backup obeys a v2-only Master and times out on its rate") {
  Dual d("priority = 100\nadvert_int = 0.1\nv2_compat = yes\n");
  d.hear(Version::kV2, 150, Centiseconds{100}, "192.168.100.4");
  CHECK(d.instance.machine().state() == State::kBackup);
  CHECK(d.instance.machine().master_address() == IpAddress::parse("192.168.100.4"));
  CHECK(d.instance.stats().v2_adverts_received == 1);
  CHECK(d.instance.machine().master_adver_interval() == Centiseconds{100});
  // 3 * 1 s + (256 - 100) / 256 * 1 s; not 0.36 s, which would take over between its adverts.
  CHECK(*d.instance.next_deadline() == d.clock.now() + Microseconds{3'609'375});
  d.run_for(milliseconds{3000});
  d.hear(Version::kV2, 150, Centiseconds{100}, "192.168.100.4");
  d.run_for(milliseconds{3000});
  CHECK(d.instance.machine().state() == State::kBackup);
  // keepalived says 1 s and we use 0.1 s: warned once as an interval difference? No: 0.1 s is
  // "1" on v2's wire (whole seconds), so it matches.
  CHECK(d.instance.stats().finding(vrrp::FindingKind::kIntervalMismatch) == 0);
  // keepalived at 150 above our 0.1 s: RFC 9568 §8.4.2.1.1 says it should not be (IOP-4).
  CHECK(d.instance.stats().v2_outranks == 1);
  // Its priority-0 advert (keepalived stopping): Skew_Time on its rate, then Master.
  d.hear(Version::kV2, 0, Centiseconds{100}, "192.168.100.4");
  CHECK(*d.instance.next_deadline() == d.clock.now() + Microseconds{609'375});
  d.run_for(milliseconds{610});
  CHECK(d.instance.machine().state() == State::kMaster);
}

TEST_CASE("IOP-3: the v2 copies of a v3 Master are ignored and counted as v2_shadowed") {
  Dual d("priority = 100\nadvert_int = 0.1\nv2_compat = yes\n");
  for (int i = 0; i < 5; ++i) {
    d.hear(Version::kV3, 150, Centiseconds{10}, "192.168.100.3");
    d.hear(Version::kV2, 150, Centiseconds{100}, "192.168.100.3");
    CHECK(d.instance.machine().master_adver_interval() == Centiseconds{10});
    d.run_for(milliseconds{100});
  }
  CHECK(d.instance.stats().adverts_received == 5);
  CHECK(d.instance.stats().v2_adverts_received == 0);
  CHECK(d.instance.stats().drops[vrrp::DropReason::kV2Shadowed] == 5);
  CHECK(d.instance.stats().v3_only_peer == 0);
  CHECK_FALSE(d.logged("dropped advert"));  // the mode working: counted, not logged
  // Its v3 timing holds: 0.36 s after its last advert, not 3.6 s.
  CHECK(d.instance.machine().master_down_interval() == Microseconds{360'937});
}

TEST_CASE("IOP-3 (MAY): a v3 Master that sends no v2 is reported once") {
  Dual d("priority = 100\nadvert_int = 0.1\nv2_compat = yes\n");
  for (int i = 0; i < 10; ++i) {
    d.hear(Version::kV3, 150, Centiseconds{10}, "192.168.100.3");
    d.run_for(milliseconds{100});
  }
  CHECK(d.instance.stats().v3_only_peer == 1);
  CHECK(d.logged("the VRRPv3 router 192.168.100.3 sends no VRRPv2 adverts"));
  CHECK(d.instance.machine().state() == State::kBackup);  // still obeyed
}

TEST_CASE("IOP-4: a v2-only router that outranks our sub-second rate is reported") {
  Dual d;  // 150 at 0.1 s
  d.hear(Version::kV2, 200, Centiseconds{100}, "192.168.100.4");
  CHECK(d.instance.stats().v2_outranks == 1);
  CHECK(d.logged("the VRRPv2-only router 192.168.100.4 has priority 200"));
  // It is obeyed all the same: VRRP elects by priority; the operator fixes the priorities.
  CHECK(d.instance.machine().state() == State::kBackup);
  d.hear(Version::kV2, 200, Centiseconds{100}, "192.168.100.4");
  CHECK(d.instance.stats().v2_outranks == 1);
}

TEST_CASE("IOP-1: v2_compat keeps the v2 password check (RX-13)") {
  Dual d("priority = 100\nadvert_int = 1\nv2_compat = yes\nauth_type = PASS\nauth_pass = secret12\n");
  d.hear(Version::kV2, 150, Centiseconds{100}, "192.168.100.4");  // no password
  CHECK(d.instance.stats().drops[vrrp::DropReason::kAuthMismatch] == 1);
  CHECK(d.instance.stats().adverts_received == 0);
  d.hear(Version::kV3, 150, Centiseconds{100}, "192.168.100.3");  // v3 has none to check
  CHECK(d.instance.stats().adverts_received == 1);
}
