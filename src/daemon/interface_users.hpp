// InterfaceUsers: which instances care about which interface, so that a link or address event
// touches only the instances on that interface (issue 14: O(affected), not O(all)).
//
// An instance cares about its interface, its VMAC, its heartbeat paths' interfaces, its
// tracked interfaces (track_interface) and every device one of its addresses goes on (a VIP's
// `dev`). It holds addresses on the last kind only (its VIP devices; with a VMAC and IPv6, the
// VMAC, where the parent's link-local goes). A takeover of 1,000 VIPs echoes back 1,000
// RTM_NEWADDR: with this index each costs the instances of one interface, not all 1,000.
//
// The reconciler's decision for an address on a device depends only on what the instances
// holding addresses there want (reconcile_plan.hpp), so reconcile_scope() closes the set:
// every device the chosen instances hold addresses on is swept, and every instance holding
// addresses on a swept device is chosen. Rebuilt whenever the instances change (reload).
// Pure: configs in, indices out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/instance_config.hpp"

namespace floatd::daemon {

// What a partial reconcile looks at: these instances' addresses, these devices' addresses.
struct ReconcileScope {
  std::vector<std::size_t> instances;  // indices into the list given to rebuild(), ascending
  std::set<std::string> devices;
};

class InterfaceUsers {
 public:
  // `instances` in the daemon's order: the indices returned are into it.
  void rebuild(const std::vector<config::InstanceConfig>& instances);
  void clear() { *this = InterfaceUsers(); }

  // The instances that care about any of `devices`: ascending, each once.
  std::vector<std::size_t> users(const std::set<std::string>& devices) const;
  // The instances that care about `device`, ascending.
  const std::vector<std::size_t>& users(std::string_view device) const;
  // The instances and devices to reconcile after `devices` changed (see above).
  ReconcileScope reconcile_scope(const std::set<std::string>& devices) const;

 private:
  std::uint32_t id(const std::string& device);

  std::map<std::string, std::uint32_t, std::less<>> ids_;  // device -> id
  std::vector<std::string> names_;                         // id -> device
  std::vector<std::vector<std::size_t>> users_;            // id -> instances that care
  std::vector<std::vector<std::size_t>> holders_;          // id -> instances holding there
  std::vector<std::vector<std::uint32_t>> holds_;          // instance -> its address devices
};

}  // namespace floatd::daemon
