#include "daemon/sync_group.hpp"

#include <algorithm>

namespace floatd::daemon {

GroupOrders group_orders(const std::string& group, const std::vector<GroupMember>& members,
                         const std::string& moved, State from, State to) {
  GroupOrders out;
  for (const auto& m : members) {
    if (m.own_fault) {
      out.fault = "sync group " + group + ": " + m.name + " is in FAULT (" + *m.own_fault + ")";
      out.fault_owner = m.name;
      break;
    }
  }
  if (out.fault) return out;  // nobody follows anyone to Master while a member is at fault
  for (const auto& m : members) {
    if (m.name == moved) continue;
    if (to == State::kMaster && m.state == State::kBackup) out.to_master.push_back(m.name);
    if (from == State::kMaster && to == State::kBackup && m.state == State::kMaster) {
      out.to_backup.push_back(m.name);
    }
  }
  return out;
}

State group_state(const std::vector<GroupMember>& members) {
  auto all = [&](State s) {
    return std::all_of(members.begin(), members.end(), [s](const GroupMember& m) { return m.state == s; });
  };
  if (std::any_of(members.begin(), members.end(), [](const GroupMember& m) { return m.state == State::kFault; })) {
    return State::kFault;
  }
  if (all(State::kMaster)) return State::kMaster;
  if (all(State::kInit)) return State::kInit;
  return State::kBackup;
}

}  // namespace floatd::daemon
