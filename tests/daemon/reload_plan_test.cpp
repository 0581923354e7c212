#include <doctest/doctest.h>

#include "config/config.hpp"
#include "daemon/reload_plan.hpp"

using namespace floatd;  // NOLINT

namespace {
std::vector<config::InstanceConfig> instances(const std::string& text) {
  auto c = config::parse_string(text, "t.conf");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().front().to_string()));
  return c->instances;
}
const char* kA = "[instance a]\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1/24\n";
const char* kB = "[instance b]\ninterface = eth0\nvirtual_router_id = 2\nvirtual_ipaddress = 10.0.0.2/24\n";
const char* kBPrio = "[instance b]\ninterface = eth0\nvirtual_router_id = 2\npriority = 120\nvirtual_ipaddress = 10.0.0.2/24\n";
}  // namespace

TEST_CASE("identical instances are kept, even when reordered") {
  auto plan = daemon::plan_reload(instances(std::string(kA) + kB), instances(std::string(kB) + kA));
  CHECK(plan.keep.size() == 2);
  CHECK(plan.stop.empty());
  CHECK(plan.start.empty());
}

TEST_CASE("a changed priority is updated in place; others are kept") {
  auto plan = daemon::plan_reload(instances(std::string(kA) + kB), instances(std::string(kA) + kBPrio));
  REQUIRE(plan.keep.size() == 1);
  CHECK(plan.keep[0] == std::pair<std::size_t, std::size_t>{0, 0});
  CHECK(plan.update == std::vector<std::pair<std::size_t, std::size_t>>{{1, 1}});
  CHECK(plan.stop.empty());
  CHECK(plan.start.empty());
}

TEST_CASE("a changed version or VMAC re-creates the instance") {
  auto plan = daemon::plan_reload(instances(kA), instances(std::string(kA) + "version = 2\n"));
  CHECK(plan.update.empty());
  CHECK(plan.stop == std::vector<std::size_t>{0});
  CHECK(plan.start == std::vector<std::size_t>{0});
  plan = daemon::plan_reload(instances(kA), instances(std::string(kA) + "use_vmac = yes\n"));
  CHECK(plan.update.empty());
}

TEST_CASE("VIP list, timers and tracking changes are in place") {
  auto plan = daemon::plan_reload(
      instances(kA), instances(std::string(kA) + "virtual_ipaddress = 10.0.0.9/24\nadvert_int = 0.5\n"));
  CHECK(plan.update.size() == 1);
}

TEST_CASE("removed and added instances") {
  auto plan = daemon::plan_reload(instances(kA), instances(kB));
  CHECK(plan.keep.empty());
  CHECK(plan.stop == std::vector<std::size_t>{0});
  CHECK(plan.start == std::vector<std::size_t>{0});
}
