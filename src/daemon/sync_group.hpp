// Sync groups (keepalived's vrrp_sync_group): members go Master together or not at all, and a
// member's own fault takes the others to Fault. Pure: given the members' states, what each
// other member must do after one of them moved.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "floatd/types.hpp"

namespace floatd::daemon {

struct GroupMember {
  std::string name;
  State state = State::kInit;
  std::optional<std::string> own_fault;  // a fault of its own (link, tracker), not the group's
};

struct GroupOrders {
  std::vector<std::string> to_master;  // Backup members that must follow to Master
  std::vector<std::string> to_backup;  // Master members that must follow to Backup
  std::optional<std::string> fault;    // the group fault every other member carries, or none
  std::string fault_owner;             // the member whose own fault it is (carries no group fault)
};

// `moved` went from `from` to `to`.
GroupOrders group_orders(const std::string& group, const std::vector<GroupMember>& members,
                         const std::string& moved, State from, State to);

// The group's state for group-level notify: FAULT if any member is in Fault, MASTER if all
// are Master, BACKUP otherwise (and INIT when all are).
State group_state(const std::vector<GroupMember>& members);

}  // namespace floatd::daemon
