// The instance layer: state machine actions turned into port calls, with real codec bytes.
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

config::InstanceConfig parse_instance(const std::string& extra = "") {
  const std::string priority = extra.find("priority") == std::string::npos ? "priority = 150\n" : "";
  return test::parse_instance_text(
      "[instance web]\ninterface = eth0\nvirtual_router_id = 51\n" + priority +
          "advert_int = 1\nvirtual_ipaddress = 192.168.100.100/24\ngarp_master_delay = 0\n"
          "garp_master_repeat = 2\n" + extra);
}

daemon::InterfaceInfo eth0(bool up = true) {
  return test::fake_interface(2, "eth0", "192.168.100.2/24", up);
}

struct Fixture {
  FakePorts ports;
  MemoryLog log;
  FakeClock clock;
  daemon::Instance instance;
  explicit Fixture(const std::string& extra = "") : instance(parse_instance(extra), ports, log) {}
  void start_as_master() {
    auto info = eth0();
    instance.update_interface(&info, clock.now());
    instance.start(clock.now());
    clock.set(*instance.next_deadline());
    instance.tick(clock.now());
  }
};

vrrp::PacketInfo from(const char* src) {
  return {*IpAddress::parse(src), *IpAddress::parse("224.0.0.18"), 255};
}

}  // namespace

TEST_CASE("becoming Master sends an advert from the primary address, adds VIPs, announces") {
  Fixture f;
  f.start_as_master();
  CHECK(f.instance.machine().state() == State::kMaster);
  REQUIRE(f.ports.adverts.size() == 1);
  const auto& a = f.ports.adverts[0];
  CHECK(a.src == *IpAddress::parse("192.168.100.2"));  // PKT-11
  CHECK(a.dst == *IpAddress::parse("224.0.0.18"));     // PKT-13
  auto decoded = vrrp::decode(a.message, {a.src, a.dst, 255});
  REQUIRE(decoded.ok());
  CHECK(decoded->advert.vrid == 51);
  CHECK(decoded->advert.priority == 150);
  CHECK(decoded->checksum_pseudo_header);  // CK-3a by default
  CHECK(f.ports.count("add eth0 192.168.100.100/24") == 1);
  CHECK(f.ports.count("announce eth0 192.168.100.100") == 2);
  CHECK(f.instance.stats().transitions == 2);  // INIT->BACKUP->MASTER
}

TEST_CASE("v3_checksum_as_v2 sends the RFC 9568 form") {  // covers: CK-3b
  Fixture f("v3_checksum_as_v2 = yes\n");
  f.start_as_master();
  const auto& a = f.ports.adverts.at(0);
  auto decoded = vrrp::decode(a.message, {a.src, a.dst, 255});
  REQUIRE(decoded.ok());
  CHECK(decoded->checksum_message_only);
  CHECK_FALSE(decoded->checksum_pseudo_header);
}

TEST_CASE("unicast sends one advert per peer and drops adverts from others") {  // covers: RX-17
  Fixture f("unicast_src_ip = 192.168.100.2\nunicast_peer = 192.168.100.3\nunicast_peer = 192.168.100.4\n");
  f.start_as_master();
  REQUIRE(f.ports.adverts.size() == 2);
  CHECK(f.ports.adverts[0].dst == *IpAddress::parse("192.168.100.3"));
  CHECK(f.ports.adverts[1].dst == *IpAddress::parse("192.168.100.4"));
  vrrp::Advert adv;
  adv.vrid = 51;
  adv.priority = 200;
  adv.addresses = {*IpAddress::parse("192.168.100.100")};
  const auto info = from("192.168.100.9");
  auto bytes = vrrp::encode(adv, info.src, info.dst);
  f.instance.receive(*vrrp::decode(bytes, info), info, f.clock.now());
  CHECK(f.instance.stats().drops[vrrp::DropReason::kNotPeer] == 1);
  CHECK(f.instance.machine().state() == State::kMaster);
}

TEST_CASE("a higher advert makes the Master remove its VIPs") {  // covers: SM-12
  Fixture f;
  f.start_as_master();
  vrrp::Advert adv;
  adv.vrid = 51;
  adv.priority = 200;
  adv.addresses = {*IpAddress::parse("192.168.100.100")};
  const auto info = from("192.168.100.3");
  auto decoded = vrrp::decode(vrrp::encode(adv, info.src, info.dst), info);
  f.instance.receive(*decoded, info, f.clock.now());
  CHECK(f.instance.machine().state() == State::kBackup);
  CHECK(f.ports.count("remove eth0 192.168.100.100/24") == 1);
  CHECK(f.instance.stats().adverts_received == 1);
}

TEST_CASE("an advert dropped by the instance checks touches no timer") {  // covers: RX-15, RX-2
  Fixture f;
  auto info = eth0();
  f.instance.update_interface(&info, f.clock.now());
  f.instance.start(f.clock.now());
  const auto deadline = f.instance.next_deadline();
  vrrp::Advert adv;
  adv.version = Version::kV2;
  adv.vrid = 51;
  adv.priority = 200;
  adv.addresses = {*IpAddress::parse("192.168.100.100")};
  const auto pkt = from("192.168.100.3");
  f.clock.advance(milliseconds{500});
  f.instance.receive(*vrrp::decode(vrrp::encode(adv, pkt.src, pkt.dst), pkt), pkt, f.clock.now());
  CHECK(f.instance.stats().drops[vrrp::DropReason::kVersionMismatch] == 1);
  CHECK(f.instance.next_deadline() == deadline);
}

TEST_CASE("a fault on a Master sends priority 0 and removes the VIPs") {  // covers: SM-17, PKT-14
  Fixture f;
  f.start_as_master();
  f.ports.adverts.clear();
  f.instance.set_fault(daemon::FaultSource::kTrack, std::string("script chk failed"), f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  REQUIRE(f.ports.adverts.size() == 1);
  const auto& a = f.ports.adverts[0];
  auto d = vrrp::decode(a.message, {a.src, a.dst, 255});
  CHECK(d->advert.priority == 0);
  CHECK(f.ports.count("remove eth0") == 1);
  f.instance.set_fault(daemon::FaultSource::kTrack, std::nullopt, f.clock.now());
  CHECK(f.instance.machine().state() == State::kBackup);
}

TEST_CASE("fault sources: Fault while any has one; the link's reason first; a group's is not its own") {
  Fixture f;
  f.start_as_master();
  f.instance.set_fault(daemon::FaultSource::kTrack, std::string("script chk failed"), f.clock.now());
  auto down = eth0(false);
  f.instance.update_interface(&down, f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  CHECK(f.instance.own_fault() == "link eth0 is down");  // precedence, not arrival order
  bool named = false;  // the later fault gets a line of its own, naming its source
  for (const auto& l : f.log.lines) named |= l.find("fault (link): link eth0 is down") != std::string::npos;
  CHECK(named);
  f.instance.set_fault(daemon::FaultSource::kTrack, std::nullopt, f.clock.now());
  auto up = eth0(true);
  f.instance.update_interface(&up, f.clock.now());
  CHECK(f.instance.machine().state() == State::kBackup);
  f.instance.set_fault(daemon::FaultSource::kSyncGroup, std::string("member db is FAULT"), f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  CHECK_FALSE(f.instance.own_fault().has_value());
  f.instance.set_fault(daemon::FaultSource::kSyncGroup, std::nullopt, f.clock.now());
  CHECK(f.instance.machine().state() == State::kBackup);
}

TEST_CASE("own link down: Fault, VIPs removed, no advert tried on a dead link; up returns") {  // covers: SM-17
  Fixture f;
  f.start_as_master();
  f.ports.adverts.clear();
  auto down = eth0(false);
  f.instance.update_interface(&down, f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  CHECK(f.ports.adverts.empty());
  CHECK(f.ports.count("remove eth0") == 1);
  CHECK(f.instance.stats().send_errors == 0);
  auto up = eth0(true);
  f.instance.update_interface(&up, f.clock.now());
  CHECK(f.instance.machine().state() == State::kBackup);
}

TEST_CASE("a missing interface or address is a fault with a reason") {
  Fixture f;
  f.instance.update_interface(nullptr, f.clock.now());
  f.instance.start(f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  auto no_addr = eth0();
  no_addr.addresses.clear();
  f.instance.update_interface(&no_addr, f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  bool said = false;
  for (const auto& l : f.log.lines) said |= l.find("no IPv4 address on eth0") != std::string::npos;
  CHECK(said);
}

TEST_CASE("a VIP someone else configured is left on Backup, Fault and stop (issue 10, defect 3)") {
  Fixture f;
  f.ports.foreign.insert("eth0 192.168.100.100/24");  // an admin's address, equal to the VIP
  f.start_as_master();
  f.instance.set_fault(daemon::FaultSource::kTrack, std::string("script chk failed"), f.clock.now());
  f.instance.stop(f.clock.now());
  // The remove is asked of the ports (which decide by the mark and the ledger), and the
  // instance says that it left the address rather than claiming it removed it.
  CHECK(f.ports.count("remove eth0 192.168.100.100/24") >= 1);
  bool said = false;
  for (const auto& l : f.log.lines) {
    said |= l.find("left 192.168.100.100/24 on eth0: not added by floatd") != std::string::npos;
  }
  CHECK(said);
}

TEST_CASE("a failed VIP add is only warned about: the reconciler retries it") {
  Fixture f;
  f.ports.fail_adds = "No such device";
  f.start_as_master();
  CHECK(f.instance.machine().state() == State::kMaster);
  CHECK(f.ports.count("add eth0 192.168.100.100/24") == 1);
  CHECK(f.instance.holds_vips());
}

// Issue 14: the takeover's order. RFC 5798 §6.4.2 (SM-5, L2-10): the advert, then one GARP
// per VIP; the kernel's addresses follow in one batch, whose answers are read last.
TEST_CASE("becoming Master: advert, GARPs, then the VIPs in one batch") {  // covers: SM-5, L2-10
  Fixture f("virtual_ipaddress = 192.168.100.101/24\n");
  f.start_as_master();
  const int advert = f.ports.first("advert ");
  const int announce = f.ports.first("announce ");
  const int add = f.ports.first("add ");
  const int collect = f.ports.first("collect");
  REQUIRE(advert >= 0);
  CHECK(advert < announce);
  CHECK(announce < add);  // the GARP does not wait for the kernel
  CHECK(add < collect);   // every add is sent before any answer is read
  CHECK(f.ports.calls.at(static_cast<std::size_t>(add) + 1) == "add eth0 192.168.100.101/24");
  CHECK(f.ports.count("collect") == 1);
  CHECK(f.ports.count("announce ") == 4);  // garp_master_repeat 2, two VIPs
  CHECK(f.instance.stats().vip_adds_failed == 0);
}

// After a resignation the old Master still answers (a handover keeps its VIPs until it hears
// the new Master), so the addresses must be in before the GARP sends the clients here: the
// fast order above is for a Master that is gone (t_handover lost an echo without this).
TEST_CASE("taking over from a Master that resigned: advert, VIPs, then GARPs") {  // covers: SM-6, SM-5
  Fixture f;
  auto info = eth0();
  f.instance.update_interface(&info, f.clock.now());
  f.instance.start(f.clock.now());
  vrrp::Advert adv;
  adv.vrid = 51;
  adv.priority = 200;
  adv.addresses = {*IpAddress::parse("192.168.100.100")};
  const auto pkt = from("192.168.100.3");
  f.instance.receive(*vrrp::decode(vrrp::encode(adv, pkt.src, pkt.dst), pkt), pkt, f.clock.now());
  adv.priority = 0;  // the Master resigns (SM-9)
  f.instance.receive(*vrrp::decode(vrrp::encode(adv, pkt.src, pkt.dst), pkt), pkt, f.clock.now());
  REQUIRE(f.instance.machine().state() == State::kBackup);
  f.clock.set(*f.instance.next_deadline());  // Skew_Time (SM-6)
  f.instance.tick(f.clock.now());
  REQUIRE(f.instance.machine().state() == State::kMaster);
  const int advert = f.ports.first("advert ");
  const int add = f.ports.first("add ");
  const int announce = f.ports.first("announce ");
  REQUIRE(advert >= 0);
  CHECK(advert < add);
  CHECK(add < announce);
  CHECK(f.ports.count("add eth0 192.168.100.100/24") == 1);
}

TEST_CASE("a batched add the kernel refuses is reported, that address only") {  // covers: SM-5
  Fixture f("virtual_ipaddress = 192.168.100.101/24\nvirtual_ipaddress = 192.168.100.102/24\n");
  f.ports.refused.insert("eth0 192.168.100.101/24");
  f.start_as_master();
  CHECK(f.instance.machine().state() == State::kMaster);
  CHECK(f.ports.count("add ") == 3);
  CHECK(f.instance.stats().vip_adds_failed == 1);
  CHECK(f.instance.kernel_report().last_error.find("192.168.100.101/24") != std::string::npos);
  int refused = 0;
  for (const auto& l : f.log.lines) {
    if (l.find("Cannot assign requested address") == std::string::npos) continue;
    ++refused;
    CHECK(l.find("192.168.100.101/24") != std::string::npos);
  }
  CHECK(refused == 1);
  CHECK(f.ports.count("announce eth0 192.168.100.101") == 2);  // announced all the same
}

TEST_CASE("transitions are logged once with instance, states and reason") {
  Fixture f;
  f.start_as_master();
  int n = 0;
  for (const auto& l : f.log.lines) n += l == "eth0/51/v4 web: BACKUP -> MASTER (master down timer)" ? 1 : 0;
  CHECK(n == 1);
}

TEST_CASE("with use_vmac adverts and VIPs go out of the VMAC") {  // covers: PKT-10
  Fixture f("use_vmac = yes\n");
  f.start_as_master();
  CHECK(f.ports.adverts.at(0).out_dev == "vrrp.51");
  CHECK(f.ports.adverts.at(0).interface == "vrrp.51");  // sent and received on the VMAC
  CHECK(f.ports.count("add vrrp.51 192.168.100.100/24") == 1);
}

TEST_CASE("drops are counted per reason and the log is rate-limited") {  // covers: RX-15, IOP-6
  Fixture f;
  for (int i = 0; i < 100; ++i) f.instance.drop(vrrp::DropReason::kBadTtl, from("192.168.100.66"), f.clock.now());
  CHECK(f.instance.stats().drops[vrrp::DropReason::kBadTtl] == 100);
  CHECK(f.log.lines.size() <= 5);
}

TEST_CASE("an owner hearing another advert logs it, counts it and carries on") {  // covers: RX-8
  Fixture f("priority = 255\n");
  f.start_as_master();
  vrrp::Advert adv;
  adv.vrid = 51;
  adv.priority = 100;
  adv.addresses = {*IpAddress::parse("192.168.100.100")};
  const auto info = from("192.168.100.3");
  f.instance.receive(*vrrp::decode(vrrp::encode(adv, info.src, info.dst), info), info, f.clock.now());
  CHECK(f.instance.stats().finding(vrrp::FindingKind::kOwnerHeardAdvert) == 1);
  CHECK(f.instance.stats().adverts_received == 1);
  CHECK(f.instance.machine().state() == State::kMaster);
  bool said = false;
  for (const auto& l : f.log.lines) said |= l.find("address owner heard an advert") != std::string::npos;
  CHECK(said);
}

// MODE-6 (RFC 5798 §6.1, RFC 9568's SHOULD): a Backup that hears two routers claiming 255 says
// so once, names both, and counts every such advert; RX-11's mismatch is logged once per value.
TEST_CASE("a Backup hearing two owners logs it once and counts each advert") {  // covers: MODE-6, RX-11
  Fixture f("priority = 100\n");
  auto info = eth0();
  f.instance.update_interface(&info, f.clock.now());
  f.instance.start(f.clock.now());
  vrrp::Advert adv;
  adv.vrid = 51;
  adv.priority = 255;
  adv.interval = Centiseconds{200};  // not ours (100): RX-11
  adv.addresses = {*IpAddress::parse("192.168.100.100")};
  const auto hear = [&](const char* src) {
    const auto pi = from(src);
    f.instance.receive(*vrrp::decode(vrrp::encode(adv, pi.src, pi.dst), pi), pi, f.clock.now());
    f.clock.advance(std::chrono::milliseconds(500));
  };
  for (int i = 0; i < 10; ++i) hear(i % 2 ? "192.168.100.3" : "192.168.100.4");
  CHECK(f.instance.machine().state() == State::kBackup);
  CHECK(f.instance.stats().finding(vrrp::FindingKind::kSeveralOwners) == 9);  // all but the first
  CHECK(f.instance.stats().finding(vrrp::FindingKind::kIntervalMismatch) == 10);
  int owners = 0;
  int mismatch = 0;
  for (const auto& l : f.log.lines) {
    owners += l.find("several address owners: 192.168.100.3 and 192.168.100.4") != std::string::npos;
    mismatch += l.find("sends 200 cs, we use 100 cs") != std::string::npos;
  }
  CHECK(owners == 1);
  CHECK(mismatch == 2);  // once per source: both send 200 cs
}

TEST_CASE("adverts follow a new primary address and a new priority (cached bytes renewed)") {
  Fixture f;
  f.start_as_master();
  auto moved = eth0();
  moved.addresses[0].prefix = *IpPrefix::parse("192.168.100.9/24");
  f.instance.update_interface(&moved, f.clock.now());
  f.clock.set(*f.instance.next_deadline());
  f.instance.tick(f.clock.now());
  REQUIRE(f.ports.adverts.size() >= 2);
  const auto& a = f.ports.adverts.back();
  CHECK(a.src == *IpAddress::parse("192.168.100.9"));
  auto decoded = vrrp::decode(a.message, {a.src, a.dst, 255});
  REQUIRE(decoded.ok());  // the checksum covers the new source (pseudo-header)
  CHECK(decoded->advert.priority == 150);
  f.instance.set_fault(daemon::FaultSource::kTrack, std::string("failed"), f.clock.now());  // priority 0
  CHECK(f.ports.adverts.back().src == *IpAddress::parse("192.168.100.9"));
  auto last = vrrp::decode(f.ports.adverts.back().message,
                           {f.ports.adverts.back().src, f.ports.adverts.back().dst, 255});
  REQUIRE(last.ok());
  CHECK(last->advert.priority == 0);
}
