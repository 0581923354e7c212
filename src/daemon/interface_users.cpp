#include "daemon/interface_users.hpp"

#include <algorithm>

namespace floatd::daemon {

void InterfaceUsers::rebuild(const std::vector<config::InstanceConfig>& instances) {
  clear();
  holds_.resize(instances.size());
  for (std::size_t n = 0; n < instances.size(); ++n) {
    const auto& c = instances[n];
    std::set<std::uint32_t> holds;
    for (const auto& vip : config::held_addresses(c)) holds.insert(id(config::vip_device(c, vip)));
    if (!c.vmac.empty() && c.family() == Family::kIPv6) holds.insert(id(c.vmac));  // link-local
    std::set<std::uint32_t> cares = holds;
    cares.insert(id(c.interface));
    cares.insert(id(config::vmac_or_interface(c)));
    for (const auto& p : c.heartbeat_paths) cares.insert(id(p.interface));
    for (const auto& t : c.track_interfaces) cares.insert(id(t.name));
    for (const auto d : cares) users_[d].push_back(n);
    for (const auto d : holds) holders_[d].push_back(n);
    holds_[n].assign(holds.begin(), holds.end());
  }
}

std::uint32_t InterfaceUsers::id(const std::string& device) {
  auto [it, added] = ids_.try_emplace(device, static_cast<std::uint32_t>(names_.size()));
  if (added) {
    names_.push_back(device);
    users_.emplace_back();
    holders_.emplace_back();
  }
  return it->second;
}

std::vector<std::size_t> InterfaceUsers::users(const std::set<std::string>& devices) const {
  std::vector<std::size_t> out;
  for (const auto& d : devices) {
    if (auto it = ids_.find(d); it != ids_.end()) {
      const auto& u = users_[it->second];
      out.insert(out.end(), u.begin(), u.end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const std::vector<std::size_t>& InterfaceUsers::users(std::string_view device) const {
  static const std::vector<std::size_t> kNone;
  auto it = ids_.find(device);
  return it == ids_.end() ? kNone : users_[it->second];
}

// The users of the changed devices (what they want may depend on the change: a device that
// appeared, a parent's link-local), then the closure: each chosen instance's address devices
// are swept, and each instance holding addresses on a swept device is chosen.
ReconcileScope InterfaceUsers::reconcile_scope(const std::set<std::string>& devices) const {
  ReconcileScope scope;
  scope.devices = devices;
  std::vector<bool> chosen(holds_.size());
  std::vector<bool> swept(names_.size());
  std::vector<std::uint32_t> todo;
  auto choose = [&](std::size_t n) {
    if (chosen[n]) return;
    chosen[n] = true;
    scope.instances.push_back(n);
    for (const auto h : holds_[n]) {
      if (swept[h]) continue;
      swept[h] = true;
      todo.push_back(h);
      scope.devices.insert(names_[h]);
    }
  };
  for (const auto& d : devices) {
    auto it = ids_.find(d);
    if (it == ids_.end()) continue;
    swept[it->second] = true;
    todo.push_back(it->second);
    for (const auto n : users_[it->second]) choose(n);
  }
  while (!todo.empty()) {
    const std::uint32_t h = todo.back();
    todo.pop_back();
    for (const auto n : holders_[h]) choose(n);
  }
  std::sort(scope.instances.begin(), scope.instances.end());
  return scope;
}

}  // namespace floatd::daemon
