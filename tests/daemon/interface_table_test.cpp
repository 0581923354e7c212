#include <doctest/doctest.h>

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
