// The reconciler (issue 10, defect 6): the pure plan (wanted + kernel table -> repairs), the
// backoff with a fake clock, the address ledger (defect 3), and the Reconciler through fake
// ports with real Instances.
#include <doctest/doctest.h>

#include "config/config.hpp"
#include "daemon/address_ledger.hpp"
#include "daemon/reconcile_plan.hpp"
#include "daemon/reconciler.hpp"
#include "daemon/repair_backoff.hpp"
#include "fake_ports.hpp"

using namespace floatd;          // NOLINT
using namespace floatd::daemon;  // NOLINT
using floatd::test::FakePorts;
using floatd::test::MemoryLog;
using std::chrono::milliseconds;

namespace {

config::InstanceConfig instance(const std::string& extra = "") {
  auto c = config::parse_string(
      "[instance web]\ninterface = eth0\nvirtual_router_id = 51\npriority = 150\n"
      "advert_int = 1\ngarp_master_delay = 0\ngarp_master_repeat = 2\n" + extra,
      "test.conf");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().front().to_string()));
  return c->instances.front();
}
config::InstanceConfig v4() { return instance("virtual_ipaddress = 192.168.100.100/24\n"); }
config::InstanceConfig v6_vmac() {
  return instance("virtual_ipaddress = 2001:db8::100/64\nuse_vmac = yes\n");
}

IpPrefix pfx(const char* text) { return *IpPrefix::parse(text); }

void link(InterfaceTable& t, int ifindex, const std::string& name) {
  net::LinkState l;
  l.ifindex = ifindex;
  l.name = name;
  l.admin_up = l.carrier = true;
  t.apply(l);
}

void addr(InterfaceTable& t, int ifindex, const char* prefix, bool ours) {
  net::AddrState a;
  a.ifindex = ifindex;
  a.prefix = pfx(prefix);
  a.proto = ours ? net::kFloatdAddrProto : 0;
  t.apply(a);
}

InterfaceTable eth0_table() {
  InterfaceTable t;
  link(t, 2, "eth0");
  addr(t, 2, "192.168.100.2/24", false);
  return t;
}

struct Planner {
  InterfaceTable table = eth0_table();
  AddressLedger ledger;
  RepairBackoff backoff;
  FakeClock clock;
  Plan plan(const config::InstanceConfig& c, bool holds) {
    ledger.observe(table);
    return plan_repairs(wanted_addresses(0, c, holds, table), configured_addresses(0, c, table),
                        table, ledger, backoff, clock.now());
  }
};

}  // namespace

TEST_CASE("plan: a Master's missing VIP is added and announced") {
  Planner p;
  const Plan plan = p.plan(v4(), true);
  REQUIRE(plan.repairs.size() == 1);
  CHECK(plan.repairs[0].kind == RepairKind::kAdd);
  CHECK(plan.repairs[0].dev == "eth0");
  CHECK(plan.repairs[0].prefix == pfx("192.168.100.100/24"));
  CHECK(plan.repairs[0].announce == 2);  // garp_master_repeat
  REQUIRE(plan.per_owner.size() == 1);
  CHECK(plan.per_owner[0].missing == std::vector<AddressKey>{{"eth0", pfx("192.168.100.100/24").address}});
}

TEST_CASE("plan: a Master whose VIP is there has nothing to do") {
  Planner p;
  addr(p.table, 2, "192.168.100.100/24", true);
  const Plan plan = p.plan(v4(), true);
  CHECK(plan.repairs.empty());
  CHECK(plan.per_owner[0].missing.empty());
  CHECK(plan.per_owner[0].extra.empty());
}

TEST_CASE("plan: a Backup removes a VIP with floatd's mark") {
  Planner p;
  addr(p.table, 2, "192.168.100.100/24", true);
  const Plan plan = p.plan(v4(), false);
  REQUIRE(plan.repairs.size() == 1);
  CHECK(plan.repairs[0].kind == RepairKind::kRemove);
  CHECK(plan.repairs[0].owner == std::optional<std::size_t>{0});
  CHECK(plan.per_owner[0].extra.size() == 1);
}

TEST_CASE("plan: a Backup leaves an equal address that is not floatd's (defect 3)") {
  Planner p;
  addr(p.table, 2, "192.168.100.100/24", false);  // an admin's static address
  const Plan plan = p.plan(v4(), false);
  CHECK(plan.repairs.empty());
  CHECK(plan.per_owner[0].extra.empty());
}

TEST_CASE("plan: a marked address that no instance configures is a stray and goes") {
  Planner p;
  addr(p.table, 2, "192.168.100.77/24", true);  // a VIP dropped from the config
  const Plan plan = p.plan(v4(), true);
  CHECK(plan.stray.size() == 1);
  REQUIRE(plan.repairs.size() == 2);
  CHECK(plan.repairs[0].kind == RepairKind::kRemove);  // removals first
  CHECK_FALSE(plan.repairs[0].owner.has_value());
  CHECK(plan.repairs[1].kind == RepairKind::kAdd);
}

TEST_CASE("plan: a VIP on a device that does not exist is missing, not tried") {
  Planner p;
  const Plan plan = p.plan(instance("virtual_ipaddress = 10.0.0.1/24 dev eth9\n"), true);
  CHECK(plan.repairs.empty());
  CHECK(plan.per_owner[0].missing.size() == 1);
}

TEST_CASE("plan: IPv6 + VMAC wants the parent's link-local on the VMAC, in any state (defect 9)") {
  Planner p;
  addr(p.table, 2, "fe80::1/64", false);
  link(p.table, 7, "vrrp6.51");
  addr(p.table, 7, "fe80::2/64", true);  // copied from the parent before its link-local changed
  const Plan plan = p.plan(v6_vmac(), false);  // a Backup: no VIP wanted
  REQUIRE(plan.repairs.size() == 2);
  CHECK(plan.repairs[0].kind == RepairKind::kRemove);
  CHECK(plan.repairs[0].prefix == pfx("fe80::2/64"));
  CHECK(plan.repairs[0].dev == "vrrp6.51");
  CHECK(plan.repairs[1].kind == RepairKind::kAdd);
  CHECK(plan.repairs[1].prefix == pfx("fe80::1/64"));
  CHECK(plan.repairs[1].dev == "vrrp6.51");
  CHECK(plan.repairs[1].announce == 0);  // no NA for a link-local
}

TEST_CASE("plan: the parent without a link-local yet: nothing wanted on the VMAC") {
  Planner p;
  link(p.table, 7, "vrrp6.51");
  CHECK(p.plan(v6_vmac(), false).repairs.empty());
}

TEST_CASE("plan: an address whose repair failed waits for its backoff deadline") {
  Planner p;
  const AddressKey key{"eth0", pfx("192.168.100.100/24").address};
  p.backoff.failed(key, "No buffer space available", p.clock.now());
  CHECK(p.plan(v4(), true).repairs.empty());
  CHECK(p.plan(v4(), true).per_owner[0].missing.size() == 1);  // still reported
  p.clock.advance(RepairBackoff::kFirst);
  CHECK(p.plan(v4(), true).repairs.size() == 1);
}

TEST_CASE("backoff doubles per failure up to its cap, and success forgets") {
  RepairBackoff b;
  FakeClock clock;
  const AddressKey key{"eth0", pfx("10.0.0.1/24").address};
  CHECK(b.due(key, clock.now()));
  CHECK_FALSE(b.next_deadline().has_value());
  Microseconds expect = RepairBackoff::kFirst;
  for (int i = 0; i < 8; ++i) {
    b.failed(key, "e" + std::to_string(i), clock.now());
    CHECK(b.next_deadline() == clock.now() + expect);
    CHECK_FALSE(b.due(key, clock.now() + expect - Microseconds{1}));
    CHECK(b.due(key, clock.now() + expect));
    expect = std::min(expect * 2, RepairBackoff::kMax);
  }
  CHECK(b.find(key)->failures == 8);
  CHECK(b.find(key)->error == "e7");
  CHECK(b.next_deadline() == clock.now() + RepairBackoff::kMax);
  b.succeeded(key);
  CHECK(b.find(key) == nullptr);
  CHECK(b.due(key, clock.now()));
}

TEST_CASE("ledger: the record covers an add the table has not seen yet; the mark decides after") {
  InterfaceTable t = eth0_table();
  AddressLedger ledger;
  const IpAddress vip = pfx("192.168.100.100/24").address;
  CHECK_FALSE(ledger.owns(t, 2, vip));
  ledger.created(2, vip);
  CHECK(ledger.owns(t, 2, vip));  // the kernel's notice is still on its way
  addr(t, 2, "192.168.100.100/24", true);
  ledger.observe(t);
  CHECK(ledger.owns(t, 2, vip));
  addr(t, 2, "192.168.100.100/24", false);  // deleted and re-added by hand, unmarked
  CHECK_FALSE(ledger.owns(t, 2, vip));
}

TEST_CASE("ledger: on a kernel without IFA_PROTO the record alone decides") {
  InterfaceTable t = eth0_table();
  AddressLedger ledger;
  const IpAddress vip = pfx("192.168.100.100/24").address;
  addr(t, 2, "192.168.100.100/24", false);
  ledger.observe(t);
  CHECK_FALSE(ledger.owns(t, 2, vip));  // EEXIST: an address found there is never recorded
  ledger.created(2, vip);
  CHECK(ledger.owns(t, 2, vip));
  net::LinkState gone;
  gone.ifindex = 2;
  gone.deleted = true;
  t.apply(gone);
  ledger.observe(t);
  CHECK(ledger.recorded() == 0);
}

namespace {

struct Rig {
  FakePorts ports;
  MemoryLog log;
  FakeClock clock;
  InterfaceTable table = eth0_table();
  AddressLedger ledger;
  Instance web{v4(), ports, log};
  Reconciler reconciler{ports, log};
  void master() {
    auto info = *table.find("eth0");
    web.update_interface(&info, clock.now());
    web.start(clock.now());
    clock.set(*web.next_deadline());
    web.tick(clock.now());
    REQUIRE(web.machine().state() == State::kMaster);
    ports.calls.clear();
  }
  void run() { reconciler.run({&web}, table, ledger, clock.now()); }
};

}  // namespace

TEST_CASE("reconciler: a Master's VIP gone from the kernel is put back, announced and counted") {
  Rig r;
  r.master();
  r.run();  // the table never showed the VIP: it was deleted, or its add failed
  CHECK(r.ports.count("add eth0 192.168.100.100/24") == 1);
  CHECK(r.ports.count("announce eth0 192.168.100.100") == 2);
  CHECK(r.web.kernel_report().repairs == 1);
  CHECK(r.web.stats().vips_restored == 1);
  CHECK(r.reconciler.repairs() == 1);
  bool said = false;
  for (const auto& l : r.log.lines) said |= l.find("added missing 192.168.100.100/24 on eth0") != std::string::npos;
  CHECK(said);
  addr(r.table, 2, "192.168.100.100/24", true);  // the kernel's notice arrives
  r.ports.calls.clear();
  r.run();
  CHECK(r.ports.calls.empty());
  CHECK(r.web.kernel_report().missing.empty());
}

TEST_CASE("reconciler: a failing repair is reported and retried with backoff; then the period") {
  Rig r;
  r.master();
  r.ports.fail_adds = "No buffer space available";
  r.run();
  const KernelReport& k = r.web.kernel_report();
  REQUIRE(k.failing.size() == 1);
  CHECK(k.failing[0].address == "192.168.100.100 on eth0");
  CHECK(k.failing[0].failures == 1);
  CHECK(k.last_error == "No buffer space available");
  CHECK(k.missing == std::vector<std::string>{"192.168.100.100 on eth0"});
  CHECK(r.reconciler.next_deadline() == r.clock.now() + RepairBackoff::kFirst);
  r.run();  // not due: no second try
  CHECK(r.ports.count("add ") == 1);
  r.clock.advance(RepairBackoff::kFirst);
  r.run();
  CHECK(r.ports.count("add ") == 2);
  CHECK(r.web.kernel_report().failing.at(0).failures == 2);
  CHECK(r.reconciler.next_deadline() == r.clock.now() + 2 * RepairBackoff::kFirst);
  r.ports.fail_adds.clear();
  r.clock.advance(2 * RepairBackoff::kFirst);
  r.run();
  CHECK(r.ports.count("add ") == 3);
  CHECK(r.web.kernel_report().failing.empty());
  CHECK(r.web.kernel_report().repairs == 1);
  CHECK(r.reconciler.next_deadline() == r.clock.now() + Reconciler::kPeriod);
}

TEST_CASE("reconciler: an add that finds the address there is no repair and no announcement") {
  Rig r;
  r.master();
  r.ports.foreign.insert("eth0 192.168.100.100/24");
  r.run();
  CHECK(r.ports.count("announce") == 0);
  CHECK(r.web.kernel_report().repairs == 0);
}

TEST_CASE("reconciler: a device made again (new ifindex) is tried at once, whatever the backoff") {
  Rig r;
  r.master();
  r.ports.fail_adds = "No such device";
  r.run();
  CHECK(r.ports.count("add ") == 1);
  r.ports.fail_adds.clear();
  r.run();  // same eth0: waits for its backoff
  CHECK(r.ports.count("add ") == 1);
  net::LinkState gone;
  gone.ifindex = 2;
  gone.deleted = true;
  r.table.apply(gone);
  link(r.table, 9, "eth0");
  addr(r.table, 9, "192.168.100.2/24", false);
  r.run();
  CHECK(r.ports.count("add ") == 2);
  CHECK(r.web.kernel_report().failing.empty());
}
