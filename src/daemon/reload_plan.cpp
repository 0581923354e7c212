#include "daemon/reload_plan.hpp"

#include <map>
#include <tuple>

namespace floatd::daemon {
namespace {

using Key = std::tuple<std::string, Vrid, Family>;

Key key_of(const config::InstanceConfig& c) { return {c.interface, c.vrid, c.family()}; }

}  // namespace

bool can_update_in_place(const config::InstanceConfig& running, const config::InstanceConfig& wanted) {
  return key_of(running) == key_of(wanted) && running.version == wanted.version &&
         running.vmac == wanted.vmac &&
         (running.priority == kOwnerPriority) == (wanted.priority == kOwnerPriority);
}

ReloadPlan plan_reload(const std::vector<config::InstanceConfig>& running,
                       const std::vector<config::InstanceConfig>& wanted) {
  std::map<Key, std::size_t> old_by_key;
  for (std::size_t i = 0; i < running.size(); ++i) old_by_key[key_of(running[i])] = i;

  ReloadPlan plan;
  std::vector<bool> old_kept(running.size(), false);
  for (std::size_t n = 0; n < wanted.size(); ++n) {
    auto it = old_by_key.find(key_of(wanted[n]));
    if (it != old_by_key.end() && running[it->second] == wanted[n]) {
      plan.keep.emplace_back(it->second, n);
      old_kept[it->second] = true;
    } else if (it != old_by_key.end() && !old_kept[it->second] &&
               can_update_in_place(running[it->second], wanted[n])) {
      plan.update.emplace_back(it->second, n);
      old_kept[it->second] = true;
    } else {
      plan.start.push_back(n);
    }
  }
  for (std::size_t i = 0; i < running.size(); ++i) {
    if (!old_kept[i]) plan.stop.push_back(i);
  }
  return plan;
}

}  // namespace floatd::daemon
