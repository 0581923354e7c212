// An Instance with heartbeat paths (issue 11) against fake ports and a fake clock: what it
// sends on each path, how a Backup hears its Master on any of them, the alarms a person sees
// when one goes quiet, strict_peers, and the seal of an authenticated path (real HMAC-SHA256).
#include <doctest/doctest.h>

#include <memory>

#include "config/config.hpp"
#include "daemon/instance.hpp"
#include "fake_ports.hpp"
#include "instance_driver.hpp"
#include "net/hmac_sha256.hpp"

using namespace floatd;  // NOLINT
using floatd::test::FakePorts;
using floatd::test::MemoryLog;
using std::chrono::milliseconds;

namespace {

const char* const kPath = "heartbeat_path = eth1 peer 198.51.100.2\n";

config::InstanceConfig parse_instance(int priority, const std::string& extra) {
  return test::parse_instance_text(
      "[instance db]\ninterface = eth0\nvirtual_router_id = 60\npriority = " +
          std::to_string(priority) +
          "\nadvert_int = 1\nvirtual_ipaddress = 192.168.100.100/24\ngarp_master_delay = 0\n" +
          extra);
}

struct Fixture {
  FakePorts ports;
  MemoryLog log;
  FakeClock clock;
  daemon::Instance instance;
  std::vector<vrrp::PathChange> changes;
  std::vector<daemon::Stranger> strangers;
  daemon::InterfaceInfo eth0 = test::fake_interface(2, "eth0", "192.168.100.2/24");
  daemon::InterfaceInfo eth1 = test::fake_interface(3, "eth1", "198.51.100.1/24");

  explicit Fixture(int priority, const std::string& extra = kPath)
      : instance(parse_instance(priority, extra), ports, log) {
    instance.on_path_change(
        [this](const daemon::Instance&, const vrrp::PathChange& c) { changes.push_back(c); });
    instance.on_stranger(
        [this](const daemon::Instance&, const daemon::Stranger& s) { strangers.push_back(s); });
    instance.update_interface(&eth0, clock.now());
    instance.update_path(1, &eth1, clock.now());
    instance.start(clock.now());
  }
  void become_master() {
    clock.set(*instance.next_deadline());
    instance.tick(clock.now());
    REQUIRE(instance.machine().state() == State::kMaster);
  }
  // Advances to `t`, firing every deadline on the way, as the daemon's timer would.
  void run_until(MonoTime t) { test::run_until(instance, clock, t); }
  // The other node's advert, as it arrives on `path` (0: eth0 multicast; 1: eth1 unicast).
  void hear(std::size_t path, int priority = 150, const char* src = nullptr) {
    const auto info = packet(path, src);
    const auto bytes = advert(priority, info);
    instance.receive(*vrrp::decode(bytes, info), info, clock.now(), path);
  }
  static vrrp::PacketInfo packet(std::size_t path, const char* src = nullptr) {
    if (path == 0) {
      return {*IpAddress::parse(src ? src : "192.168.100.3"), *IpAddress::parse("224.0.0.18"),
              255};
    }
    return {*IpAddress::parse(src ? src : "198.51.100.2"), *IpAddress::parse("198.51.100.1"),
            255};
  }
  static std::vector<std::uint8_t> advert(int priority, const vrrp::PacketInfo& info,
                                          const char* vip = "192.168.100.100") {
    vrrp::Advert adv;
    adv.vrid = 60;
    adv.priority = static_cast<Priority>(priority);
    adv.addresses = {*IpAddress::parse(vip)};
    return vrrp::encode(adv, info.src, info.dst);
  }
  std::vector<test::SentAdvert> sent_on(const std::string& dev) const {
    std::vector<test::SentAdvert> out;
    for (const auto& a : ports.adverts) {
      if (a.interface == dev) out.push_back(a);
    }
    return out;
  }
};

Priority priority_of(const test::SentAdvert& a, std::size_t trailer = 0) {
  std::span<const std::uint8_t> m(a.message);
  auto decoded = vrrp::decode(m.first(m.size() - trailer), {a.src, a.dst, 255});
  REQUIRE(decoded.ok());
  return decoded->advert.priority;
}

std::shared_ptr<const vrrp::Hmac> hmac(const std::string& key) {
  auto h = net::HmacSha256::create(
      std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
  REQUIRE(h.ok());
  return std::shared_ptr<const vrrp::Hmac>(std::move(*h));
}

}  // namespace

TEST_CASE("a Master sends the same advert on its path, to the peer, from the path's address") {
  Fixture f(150);
  f.become_master();
  const auto lan = f.sent_on("eth0");
  const auto cable = f.sent_on("eth1");
  REQUIRE(lan.size() == 1);
  REQUIRE(cable.size() == 1);
  CHECK(cable[0].src == *IpAddress::parse("198.51.100.1"));  // the path's primary address
  CHECK(cable[0].dst == *IpAddress::parse("198.51.100.2"));  // unicast to its peer
  CHECK(cable[0].out_dev == "eth1");
  CHECK(priority_of(cable[0]) == 150);
  CHECK(f.instance.paths().stats(1).adverts_out == 1);
  CHECK(f.instance.paths().stats(0).adverts_out == 1);
  f.run_until(f.clock.now() + std::chrono::seconds(1));  // the next advert, on both at once
  CHECK(f.sent_on("eth0").size() == 2);
  CHECK(f.sent_on("eth1").size() == 2);
}

TEST_CASE("a path with src sends from it") {
  Fixture f(150, "heartbeat_path = eth1 peer 198.51.100.2 src 198.51.100.9\n");
  f.become_master();
  REQUIRE(f.sent_on("eth1").size() == 1);
  CHECK(f.sent_on("eth1")[0].src == *IpAddress::parse("198.51.100.9"));
}

TEST_CASE("a Backup that hears its Master only on the cable stays Backup and raises eth0 silent") {
  Fixture f(100);
  REQUIRE(f.instance.machine().state() == State::kBackup);
  const MonoTime cut = f.clock.now();
  // The LAN between the nodes is cut: only eth1 carries the Master's adverts, every second.
  for (int s = 1; s <= 12; ++s) {
    f.run_until(cut + std::chrono::seconds(s));
    f.hear(1);
  }
  CHECK(f.instance.machine().state() == State::kBackup);
  CHECK(f.ports.count("add ") == 0);
  REQUIRE(f.changes.size() == 1);
  CHECK(f.changes[0].path == 0);
  CHECK(f.changes[0].to == vrrp::PathState::kSilent);
  CHECK(f.changes[0].reason.find("eth0") == 0);
  CHECK(f.changes[0].reason.find("while eth1 hears") != std::string::npos);
  CHECK(f.instance.paths().watch().paths()[0].state == vrrp::PathState::kSilent);
  CHECK(f.instance.paths().watch().paths()[1].state == vrrp::PathState::kOk);
  CHECK(f.instance.paths().stats(1).adverts_in == 12);
  bool logged = false;
  for (const auto& l : f.log.lines) logged |= l.find("path DOWN eth0") != std::string::npos;
  CHECK(logged);

  SUBCASE("the LAN heals: path_up, nothing else") {
    f.hear(0);
    REQUIRE(f.changes.size() == 2);
    CHECK(f.changes[1].path == 0);
    CHECK_FALSE(f.changes[1].alarm());
    CHECK(f.instance.machine().state() == State::kBackup);
  }
}

TEST_CASE("a Backup takes over only when every path is silent") {  // covers: SM-9
  Fixture f(100);
  f.hear(0);
  f.hear(1);
  const MonoTime last = f.clock.now();
  const auto mdi = f.instance.machine().master_down_interval();
  f.run_until(last + mdi - Microseconds(1));
  CHECK(f.instance.machine().state() == State::kBackup);
  f.run_until(last + mdi);
  CHECK(f.instance.machine().state() == State::kMaster);
  CHECK(f.ports.count("add eth0 192.168.100.100/24") == 1);
}

TEST_CASE("the cable cut raises eth1 down and moves nothing") {
  Fixture f(100);
  f.hear(0);
  f.hear(1);
  auto eth1_down = test::fake_interface(3, "eth1", "198.51.100.1/24", false);
  f.instance.update_path(1, &eth1_down, f.clock.now());
  REQUIRE(f.changes.size() == 1);
  CHECK(f.changes[0].path == 1);
  CHECK(f.changes[0].to == vrrp::PathState::kDown);
  for (int s = 1; s <= 10; ++s) {
    f.run_until(f.clock.now() + std::chrono::seconds(1));
    f.hear(0);
  }
  CHECK(f.instance.machine().state() == State::kBackup);
  f.instance.update_path(1, &f.eth1, f.clock.now());
  REQUIRE(f.changes.size() == 2);
  CHECK_FALSE(f.changes[1].alarm());
}

TEST_CASE("a Master whose LAN link goes down resigns on its paths with priority 0") {
  Fixture f(150);
  f.become_master();
  f.ports.adverts.clear();
  auto eth0_down = test::fake_interface(2, "eth0", "192.168.100.2/24", false);
  f.instance.update_interface(&eth0_down, f.clock.now());
  CHECK(f.instance.machine().state() == State::kFault);
  CHECK(f.sent_on("eth0").empty());  // the link is down: nothing leaves there
  const auto cable = f.sent_on("eth1");
  REQUIRE(cable.size() == 1);
  CHECK(priority_of(cable[0]) == 0);  // SM-14: the Backup takes over after Skew_Time
  CHECK(f.ports.count("remove eth0 192.168.100.100/24") == 1);
}

TEST_CASE("an advert on a path from anyone but its peers is dropped and counted there") {  // covers: RX-17
  Fixture f(100);
  f.hear(1, 200, "198.51.100.7");
  CHECK(f.instance.stats().drops[vrrp::DropReason::kNotPeer] == 1);
  CHECK(f.instance.paths().stats(1).drops == 1);
  CHECK(f.instance.paths().stats(1).adverts_in == 0);
}

TEST_CASE("strict_peers: a stranger on our VRID is refused and raised, not obeyed") {
  Fixture f(150, std::string(kPath) + "strict_peers = yes\npeer = 192.168.100.3\n");
  f.become_master();
  f.hear(0, 200, "192.168.100.9");  // another cluster, higher priority
  CHECK(f.instance.machine().state() == State::kMaster);
  CHECK(f.instance.stats().drops[vrrp::DropReason::kStranger] == 1);
  REQUIRE(f.strangers.size() == 1);
  CHECK(f.strangers[0].source == *IpAddress::parse("192.168.100.9"));
  REQUIRE(f.instance.strangers().size() == 1);

  SUBCASE("it keeps sending: counted each time, raised once per re-alarm period") {
    for (int i = 0; i < 5; ++i) f.hear(0, 200, "192.168.100.9");
    CHECK(f.instance.strangers()[0].count == 6);
    CHECK(f.strangers.size() == 1);
    f.run_until(f.clock.now() + daemon::Instance::kStrangerRealarm);
    f.hear(0, 200, "192.168.100.9");
    CHECK(f.strangers.size() == 2);
    CHECK(f.instance.machine().state() == State::kMaster);
  }
  SUBCASE("the same source with another reason is raised at once") {
    const auto info = Fixture::packet(0, "192.168.100.9");
    f.instance.receive(*vrrp::decode(Fixture::advert(200, info), info), info, f.clock.now(), 0);
    CHECK(f.strangers.size() == 1);  // same reason, within the re-alarm period
    f.instance.reconfigure(
        parse_instance(150, std::string(kPath) +
                                "strict_peers = yes\npeer = 192.168.100.3\npeer = 192.168.100.9\n"),
        f.clock.now());
    const auto other = Fixture::advert(200, info, "192.168.100.200");
    f.instance.receive(*vrrp::decode(other, info), info, f.clock.now(), 0);
    REQUIRE(f.strangers.size() == 2);
    CHECK(f.strangers[1].reason == vrrp::DropReason::kAddressList);
  }
  SUBCASE("a known peer with another address list is refused as address_list") {
    const auto info = Fixture::packet(0);
    const auto bytes = Fixture::advert(200, info, "192.168.100.200");
    f.instance.receive(*vrrp::decode(bytes, info), info, f.clock.now(), 0);
    CHECK(f.instance.stats().drops[vrrp::DropReason::kAddressList] == 1);
    CHECK(f.instance.machine().state() == State::kMaster);
  }
  SUBCASE("the known peer is obeyed") {
    f.hear(0, 200);
    CHECK(f.instance.machine().state() == State::kBackup);
  }
  SUBCASE("a heartbeat peer is a known peer") {
    f.hear(1, 200);
    CHECK(f.instance.machine().state() == State::kBackup);
  }
}

TEST_CASE("strict_peers = no keeps keepalived's behaviour: the stranger is obeyed") {
  Fixture f(150);
  f.become_master();
  f.hear(0, 200, "192.168.100.9");
  CHECK(f.instance.machine().state() == State::kBackup);
  CHECK(f.strangers.empty());
}

TEST_CASE("an authenticated path: sealed adverts out, forged, truncated and replayed dropped") {
  Fixture master(150);
  Fixture backup(100);
  const auto key = hmac("the-shared-secret");
  master.instance.set_path_auth(daemon::PathAuth{key, 1000});
  backup.instance.set_path_auth(daemon::PathAuth{key, 1000});
  master.become_master();
  const auto sent = master.sent_on("eth1");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].message.size() == master.sent_on("eth0")[0].message.size() + vrrp::kTrailerBytes);
  CHECK(priority_of(master.sent_on("eth0")[0]) == 150);  // the LAN stays plain RFC 5798

  // What the Backup's receive path does: unseal first, then decode, then the instance checks.
  // The packet as it arrives at the Backup: from the Master's eth1 to the Backup's eth1.
  const vrrp::PacketInfo info{*IpAddress::parse("198.51.100.2"),
                              *IpAddress::parse("198.51.100.1"), 255};
  const auto deliver = [&](std::vector<std::uint8_t> payload) {
    auto opened = backup.instance.unseal(1, payload, info, backup.clock.now());
    if (!opened) return false;
    auto decoded = vrrp::decode(*opened, info);
    REQUIRE(decoded.ok());
    backup.instance.receive(*decoded, info, backup.clock.now(), 1);
    return true;
  };
  // The master's sealed bytes, re-sealed for this direction (the digest binds src and dst).
  const auto sealed = [&](std::uint64_t seq, const std::shared_ptr<const vrrp::Hmac>& with) {
    auto s = vrrp::seal(Fixture::advert(150, info), info.src, info.dst, seq, *with);
    REQUIRE(s.ok());
    return *s;
  };
  const auto drops = [&](vrrp::DropReason r) { return backup.instance.stats().drops[r]; };

  CHECK(deliver(sealed(5, key)));
  CHECK(backup.instance.paths().stats(1).adverts_in == 1);

  auto forged = sealed(6, key);
  forged[2] ^= 0x7f;  // the priority changed under the digest
  CHECK_FALSE(deliver(forged));
  CHECK(drops(vrrp::DropReason::kAuthForged) == 1);

  CHECK_FALSE(deliver(sealed(7, hmac("another-secret"))));
  CHECK(drops(vrrp::DropReason::kAuthForged) == 2);

  CHECK_FALSE(deliver(sealed(5, key)));  // a replay of the first
  CHECK(drops(vrrp::DropReason::kAuthReplayed) == 1);

  CHECK_FALSE(deliver(std::vector<std::uint8_t>(vrrp::kTrailerBytes, 0)));
  CHECK(drops(vrrp::DropReason::kAuthTruncated) == 1);

  CHECK_FALSE(deliver(Fixture::advert(150, info)));  // unsealed: a peer without the key
  CHECK(drops(vrrp::DropReason::kAuthForged) + drops(vrrp::DropReason::kAuthTruncated) == 4);

  CHECK(backup.instance.paths().stats(1).drops == 5);
  CHECK(backup.instance.paths().stats(1).adverts_in == 1);
  CHECK(deliver(sealed(8, key)));  // the guard moved only for adverts that verified
  CHECK(backup.instance.machine().state() == State::kBackup);
}
