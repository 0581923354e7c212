// What a reload changes: the new config's instances matched against the running ones by
// (interface, VRID, family) (GEN-6). Pure, so every case is a unit test.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "config/instance_config.hpp"

namespace floatd::daemon {

struct ReloadPlan {
  std::vector<std::pair<std::size_t, std::size_t>> keep;    // (old, new): identical, untouched
  std::vector<std::pair<std::size_t, std::size_t>> update;  // (old, new): changed in place
  std::vector<std::size_t> stop;                            // old indices: removed or re-created
  std::vector<std::size_t> start;                           // new indices: added or re-created
};

// Whether `running` can become `wanted` without leaving its state: same virtual router
// (interface, VRID, family), same version and VMAC, and owner-ness unchanged. Priority, VIPs,
// timers, preemption, peers, tracking and notify can all change in place.
bool can_update_in_place(const config::InstanceConfig& running, const config::InstanceConfig& wanted);

ReloadPlan plan_reload(const std::vector<config::InstanceConfig>& running,
                       const std::vector<config::InstanceConfig>& wanted);

}  // namespace floatd::daemon
