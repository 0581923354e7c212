#include <doctest/doctest.h>

#include "daemon/sync_group.hpp"

using floatd::State;
using floatd::daemon::group_orders;
using floatd::daemon::group_state;
using floatd::daemon::GroupMember;

TEST_CASE("a member going Master pulls the Backup members along") {
  auto o = group_orders("pair", {{"web", State::kMaster, {}}, {"db", State::kBackup, {}}}, "web",
                        State::kBackup, State::kMaster);
  CHECK(o.to_master == std::vector<std::string>{"db"});
  CHECK(o.to_backup.empty());
  CHECK_FALSE(o.fault);
}

TEST_CASE("a Master member going Backup takes the other Masters down") {
  auto o = group_orders("pair", {{"web", State::kBackup, {}}, {"db", State::kMaster, {}}}, "web",
                        State::kMaster, State::kBackup);
  CHECK(o.to_backup == std::vector<std::string>{"db"});
}

TEST_CASE("a member's own fault faults the group; nobody follows it to Master") {
  auto o = group_orders("pair", {{"web", State::kFault, "link eth0 is down"}, {"db", State::kMaster, {}}},
                        "web", State::kMaster, State::kFault);
  REQUIRE(o.fault);
  CHECK(*o.fault == "sync group pair: web is in FAULT (link eth0 is down)");
  CHECK(o.fault_owner == "web");
  CHECK(o.to_master.empty());
}

TEST_CASE("members faulted only by the group do not keep the group faulted") {
  auto o = group_orders("pair", {{"web", State::kBackup, {}}, {"db", State::kFault, {}}}, "web",
                        State::kFault, State::kBackup);
  CHECK_FALSE(o.fault);
}

TEST_CASE("group state for group notify") {
  CHECK(group_state({{"a", State::kMaster, {}}, {"b", State::kMaster, {}}}) == State::kMaster);
  CHECK(group_state({{"a", State::kMaster, {}}, {"b", State::kBackup, {}}}) == State::kBackup);
  CHECK(group_state({{"a", State::kFault, {}}, {"b", State::kMaster, {}}}) == State::kFault);
  CHECK(group_state({{"a", State::kInit, {}}, {"b", State::kInit, {}}}) == State::kInit);
}
