#include "config/instance_config.hpp"

#include <algorithm>

namespace floatd::config {

Family InstanceConfig::family() const {
  return vips.empty() ? Family::kIPv4 : vips.front().prefix.address.family();
}

std::vector<IpAddress> InstanceConfig::known_peers() const {
  std::vector<IpAddress> out;
  for (const auto& p : unicast_peers) out.push_back(p.address);
  for (const auto& p : peers) out.push_back(p.address);
  for (const auto& path : heartbeat_paths) out.insert(out.end(), path.peers.begin(), path.peers.end());
  return out;
}

const std::string& vmac_or_interface(const InstanceConfig& instance) {
  return instance.vmac.empty() ? instance.interface : instance.vmac;
}

const std::string& advert_device(const InstanceConfig& instance) {
  return instance.unicast() ? instance.interface : vmac_or_interface(instance);
}

const std::string& vip_device(const InstanceConfig& instance, const VirtualIp& vip) {
  return vip.dev.empty() ? vmac_or_interface(instance) : vip.dev;
}

std::vector<VirtualIp> held_addresses(const InstanceConfig& instance) {
  std::vector<VirtualIp> out;
  out.reserve(instance.vips.size() + 1);
  if (instance.virtual_link_local) {
    out.push_back({IpPrefix{*instance.virtual_link_local, 64}, {}, {}, {}});
  }
  out.insert(out.end(), instance.vips.begin(), instance.vips.end());
  return out;
}

void forget_locations(InstanceConfig& c) {
  c.origin = SectionOrigin{};
  for (auto& v : c.vips) v.origin = Origin{};
  for (auto& p : c.unicast_peers) p.origin = Origin{};
  for (auto& p : c.peers) p.origin = Origin{};
  for (auto& p : c.heartbeat_paths) p.origin = Origin{};
  for (auto& p : c.ra.prefixes) p.origin = Origin{};
  for (auto* refs : {&c.track_interfaces, &c.track_scripts, &c.track_files}) {
    for (auto& r : *refs) r.origin = Origin{};
  }
}

Centiseconds RouterAdvertConfig::effective_min_interval() const {
  if (min_interval) return *min_interval;
  return Centiseconds{max_interval.count() * (max_interval >= Centiseconds{900} ? 33 : 75) / 100};
}

int RouterAdvertConfig::effective_default_lifetime() const {
  if (default_lifetime) return *default_lifetime;
  return std::min<int>(9000, static_cast<int>(3 * max_interval.count() / 100));
}

std::string default_vmac_name(Family family, Vrid vrid) {
  return (family == Family::kIPv6 ? "vrrp6." : "vrrp.") + std::to_string(vrid);
}

}  // namespace floatd::config
