#include "daemon/reconcile_plan.hpp"

#include <algorithm>
#include <map>

namespace floatd::daemon {
namespace {

// With use_vmac and IPv6: the parent's link-local, on the VMAC (rfc-checklist L2-16 leaves
// the VMAC none of its own).
std::optional<WantedAddress> vmac_link_local(std::size_t owner, const config::InstanceConfig& c,
                                             const InterfaceTable& table) {
  if (c.vmac.empty() || c.family() != Family::kIPv6) return std::nullopt;
  const InterfaceInfo* parent = table.find(c.interface);
  if (parent == nullptr) return std::nullopt;
  const auto ll = parent->link_local_v6();
  if (!ll) return std::nullopt;
  return WantedAddress{owner, c.vmac, IpPrefix{*ll, 64}, "", 0};
}

std::vector<WantedAddress> vips(std::size_t owner, const config::InstanceConfig& c) {
  std::vector<WantedAddress> out;
  for (const auto& vip : config::held_addresses(c)) {  // the virtual link-local too (PKT-7)
    out.push_back({owner, config::vip_device(c, vip), vip.prefix, vip.label, c.garp.repeat});
  }
  return out;
}

}  // namespace

std::vector<WantedAddress> wanted_addresses(std::size_t owner, const config::InstanceConfig& c,
                                            bool holds_vips, const InterfaceTable& table) {
  std::vector<WantedAddress> out;
  if (holds_vips) out = vips(owner, c);
  if (auto ll = vmac_link_local(owner, c, table)) out.push_back(std::move(*ll));
  return out;
}

std::vector<WantedAddress> configured_addresses(std::size_t owner,
                                                const config::InstanceConfig& c,
                                                const InterfaceTable& table) {
  return wanted_addresses(owner, c, true, table);
}

Plan plan_repairs(const std::vector<WantedAddress>& wanted,
                  const std::vector<WantedAddress>& configured, const InterfaceTable& table,
                  const AddressLedger& ledger, const RepairBackoff& backoff, MonoTime now,
                  const std::set<std::string>* devices) {
  Plan plan;
  auto diff = [&](std::size_t owner) -> Difference& {
    if (plan.per_owner.size() <= owner) plan.per_owner.resize(owner + 1);
    return plan.per_owner[owner];
  };
  for (const auto& w : configured) diff(w.owner);
  for (const auto& w : wanted) diff(w.owner);
  // Looked up once per address in the kernel: sets, not scans (1,000 VIPs on a device).
  std::set<AddressKey> wanted_keys;
  for (const auto& w : wanted) wanted_keys.insert(w.key());
  std::map<AddressKey, std::size_t> owner_of;  // the first instance that configures it
  for (const auto& w : configured) owner_of.emplace(w.key(), w.owner);
  std::set<AddressKey> present;  // on the devices swept
  // Extras first: a removal never takes what an add of this round puts back.
  for (const auto& [ifindex, info] : table.interfaces()) {
    if (devices != nullptr && devices->count(info.link.name) == 0) continue;
    for (const auto& a : info.addresses) {
      const AddressKey key{info.link.name, a.prefix.address};
      present.insert(key);
      if (wanted_keys.count(key) != 0 || !ledger.owns(a)) continue;
      std::optional<std::size_t> owner;
      if (auto whose = owner_of.find(key); whose != owner_of.end()) owner = whose->second;
      if (owner) {
        diff(*owner).extra.push_back(key);
      } else {
        plan.stray.push_back(key);
      }
      if (backoff.due(key, now)) {
        plan.repairs.push_back({RepairKind::kRemove, owner, info.link.name, a.prefix, "", 0});
      }
    }
  }
  std::set<AddressKey> adding;  // two instances want the same address: one add
  for (const auto& w : wanted) {
    const InterfaceInfo* info = table.find(w.dev);
    const bool swept = devices == nullptr || devices->count(w.dev) != 0;
    if (swept ? present.count(w.key()) != 0 : info != nullptr && info->has_address(w.prefix)) {
      continue;
    }
    diff(w.owner).missing.push_back(w.key());
    if (info == nullptr || !backoff.due(w.key(), now)) continue;  // made when the device appears
    if (!adding.insert(w.key()).second) continue;
    plan.repairs.push_back({RepairKind::kAdd, w.owner, w.dev, w.prefix, w.label, w.announce});
  }
  return plan;
}

}  // namespace floatd::daemon
