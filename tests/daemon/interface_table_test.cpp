#include <doctest/doctest.h>
#include <linux/if_addr.h>

#include "daemon/interface_table.hpp"
#include "net/kernel.hpp"

using namespace floatd;  // NOLINT

namespace {
net::LinkState link(int index, const char* name, bool up) {
  net::LinkState l;
  l.ifindex = index;
  l.name = name;
  l.admin_up = up;
  l.carrier = up;
  return l;
}
net::AddrState addr(int index, const char* prefix, std::uint8_t proto = 0, bool deleted = false) {
  net::AddrState a;
  a.ifindex = index;
  a.prefix = *IpPrefix::parse(prefix);
  a.proto = proto;
  a.deleted = deleted;
  return a;
}
net::AddrState flagged(int index, const char* prefix, std::uint32_t flags, std::uint8_t proto = 0) {
  auto a = addr(index, prefix, proto);
  a.flags = flags;
  return a;
}
IpAddress ip(const char* text) { return *IpAddress::parse(text); }
}  // namespace

TEST_CASE("primary IPv4 skips floatd's own VIPs; link-local found for IPv6") {  // covers: PKT-11
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(addr(2, "192.168.100.100/24", net::kFloatdAddrProto));
  t.apply(addr(2, "192.168.100.2/24"));
  t.apply(addr(2, "2001:db8::2/64"));
  t.apply(addr(2, "fe80::2/64"));
  const auto* i = t.find("eth0");
  REQUIRE(i != nullptr);
  CHECK(i->primary_v4() == *IpAddress::parse("192.168.100.2"));
  CHECK(i->link_local_v6() == *IpAddress::parse("fe80::2"));
  CHECK(i->usable());
}

TEST_CASE("addresses and links come and go") {
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(addr(2, "192.168.100.2/24"));
  CHECK(t.apply(addr(2, "192.168.100.2/24", 0, true)) == "eth0");
  CHECK_FALSE(t.find("eth0")->primary_v4());
  t.apply(link(2, "eth0", false));
  CHECK_FALSE(t.find("eth0")->usable());
  auto gone = link(2, "eth0", false);
  gone.deleted = true;
  t.apply(gone);
  CHECK(t.find("eth0") == nullptr);
  t.apply(link(7, "eth0", true));  // re-created with a new index
  CHECK(t.find("eth0")->link.ifindex == 7);
  CHECK(t.apply(addr(99, "10.0.0.1/8")).empty());  // unknown interface
}

// A DHCP renew re-announces an address that exists (RTM_NEWADDR with new lifetimes): it keeps its
// place, so the advert source and with it the tie-break (RX-16, SM-12) do not move.
// covers: PKT-11, RX-16
TEST_CASE("a re-announced address keeps its place: the advert source does not change") {
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(addr(2, "192.168.100.2/24"));
  t.apply(addr(2, "10.0.0.2/8"));  // a second primary, in another subnet
  REQUIRE(t.find("eth0")->primary_v4() == ip("192.168.100.2"));
  auto renewed = addr(2, "192.168.100.2/24");
  renewed.flags = IFA_F_PERMANENT;  // what changed: flags and lifetimes, not the address
  CHECK(t.apply(renewed) == "eth0");
  const auto& list = t.find("eth0")->addresses;
  REQUIRE(list.size() == 2);
  CHECK(list[0] == renewed);  // updated in place
  CHECK(t.find("eth0")->primary_v4() == ip("192.168.100.2"));
}

// covers: PKT-11
TEST_CASE("primary IPv4 skips secondary, tentative and DAD-failed addresses") {
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(flagged(2, "192.168.100.3/24", IFA_F_SECONDARY));
  t.apply(flagged(2, "192.168.101.2/24", IFA_F_TENTATIVE));
  t.apply(flagged(2, "192.168.102.2/24", IFA_F_DADFAILED | IFA_F_TENTATIVE));
  t.apply(addr(2, "192.168.100.2/24"));
  CHECK(t.find("eth0")->primary_v4() == ip("192.168.100.2"));
}

// When floatd's VIP came first in a subnet, the kernel made it primary and the admin's address
// added later secondary: that secondary is still the interface's own address, better than none.
// covers: PKT-11
TEST_CASE("primary IPv4 falls back to a secondary when the primary is floatd's VIP") {
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(addr(2, "192.168.100.100/24", net::kFloatdAddrProto));
  t.apply(flagged(2, "192.168.100.2/24", IFA_F_SECONDARY));
  CHECK(t.find("eth0")->primary_v4() == ip("192.168.100.2"));
  t.apply(flagged(2, "192.168.100.101/24", IFA_F_SECONDARY, net::kFloatdAddrProto));
  CHECK(t.find("eth0")->primary_v4() == ip("192.168.100.2"));
}

// covers: PKT-11
TEST_CASE("IPv6 link-local skips tentative and DAD-failed addresses; optimistic is usable") {
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(flagged(2, "fe80::2/64", IFA_F_TENTATIVE));
  CHECK_FALSE(t.find("eth0")->link_local_v6());  // DAD still running
  t.apply(flagged(2, "fe80::2/64", IFA_F_TENTATIVE | IFA_F_DADFAILED));
  CHECK_FALSE(t.find("eth0")->link_local_v6());  // a duplicate on the link
  t.apply(flagged(2, "fe80::3/64", IFA_F_TENTATIVE | IFA_F_OPTIMISTIC));
  CHECK(t.find("eth0")->link_local_v6() == ip("fe80::3"));  // RFC 4429: usable during DAD
  t.apply(flagged(2, "fe80::2/64", IFA_F_PERMANENT));  // DAD done, re-announced in place
  CHECK(t.find("eth0")->link_local_v6() == ip("fe80::2"));
}

// The kernel lists a newer IPv6 address of the same scope first, so after a re-dump floatd's own
// link-local VIP comes before the interface's; on a VMAC the only link-local is floatd's copy of
// the parent's (daemon_kernel.cpp), and that one is the right source there.
// covers: PKT-11
TEST_CASE("IPv6 link-local prefers the interface's own over floatd's") {
  daemon::InterfaceTable t;
  t.apply(link(2, "eth0", true));
  t.apply(addr(2, "fe80::100/64", net::kFloatdAddrProto));
  t.apply(addr(2, "fe80::2/64"));
  CHECK(t.find("eth0")->link_local_v6() == ip("fe80::2"));
  t.apply(link(3, "vrrp.51", true));
  t.apply(addr(3, "fe80::2/64", net::kFloatdAddrProto));
  CHECK(t.find("vrrp.51")->link_local_v6() == ip("fe80::2"));
}
