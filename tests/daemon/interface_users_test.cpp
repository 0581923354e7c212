// InterfaceUsers: which instances a link or address event on an interface concerns, and the
// closed set of instances and devices a partial reconcile must look at.
#include "daemon/interface_users.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

using namespace floatd;  // NOLINT

namespace {

std::vector<config::InstanceConfig> parse(const std::string& text) {
  auto c = config::parse_string("[global]\nrouter_id = r1\n\n" + text, "test.conf");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().front().to_string()));
  return c->instances;
}

std::string instance(const std::string& name, const std::string& iface, int vrid,
                     const std::string& extra = "") {
  return "[instance " + name + "]\ninterface = " + iface +
         "\nvirtual_router_id = " + std::to_string(vrid) +
         "\npriority = 100\nvirtual_ipaddress = 10.0." + std::to_string(vrid) + ".1/32\n" + extra +
         "\n";
}

using Indices = std::vector<std::size_t>;

}  // namespace

TEST_CASE("interface users: an interface's instances, and only those") {
  std::string text;
  for (int i = 0; i < 8; ++i)
    text += instance("v" + std::to_string(i), "eth" + std::to_string(i % 2), i + 1);
  daemon::InterfaceUsers users;
  users.rebuild(parse(text));
  CHECK(users.users(std::set<std::string>{"eth0"}) == Indices{0, 2, 4, 6});
  CHECK(users.users(std::set<std::string>{"eth1"}) == Indices{1, 3, 5, 7});
  CHECK(users.users(std::set<std::string>{"eth0", "eth1"}).size() == 8);
  CHECK(users.users(std::set<std::string>{"eth9"}).empty());
  CHECK(users.users(std::string_view("eth1")) == Indices{1, 3, 5, 7});
  const auto scope = users.reconcile_scope({"eth1"});
  CHECK(scope.instances == Indices{1, 3, 5, 7});
  CHECK(scope.devices == std::set<std::string>{"eth1"});
  users.clear();
  CHECK(users.users(std::set<std::string>{"eth0"}).empty());
}

TEST_CASE("interface users: tracked interfaces, heartbeat paths and VIP devices count") {
  daemon::InterfaceUsers users;
  users.rebuild(parse(instance("a", "eth0", 1, "track_interface = eth5\n") +
                      instance("b", "eth1", 2, "heartbeat_path = eth6 peer 198.51.100.2\n") +
                      instance("c", "eth2", 3, "virtual_ipaddress = 10.9.9.9/32 dev eth7\n") +
                      instance("d", "eth7", 4)));
  CHECK(users.users(std::set<std::string>{"eth5"}) == Indices{0});
  CHECK(users.users(std::set<std::string>{"eth6"}) == Indices{1});
  CHECK(users.users(std::set<std::string>{"eth7"}) == Indices{2, 3});
  // A tracked interface's event re-evaluates `a`, whose addresses live on eth0: eth0 is swept.
  auto scope = users.reconcile_scope({"eth5"});
  CHECK(scope.instances == Indices{0});
  CHECK(scope.devices == std::set<std::string>{"eth0", "eth5"});
  // c holds addresses on eth2 and eth7, d on eth7: an event on eth2 closes over both.
  scope = users.reconcile_scope({"eth2"});
  CHECK(scope.instances == Indices{2, 3});
  CHECK(scope.devices == std::set<std::string>{"eth2", "eth7"});
  // A device nobody uses is still swept (a stray address of floatd's there is removed).
  scope = users.reconcile_scope({"dummy0"});
  CHECK(scope.instances.empty());
  CHECK(scope.devices == std::set<std::string>{"dummy0"});
}
