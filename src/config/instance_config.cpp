#include "config/instance_config.hpp"

namespace floatd::config {

Family InstanceConfig::family() const {
  return vips.empty() ? Family::kIPv4 : vips.front().prefix.address.family();
}

const std::string& vip_device(const InstanceConfig& instance, const VirtualIp& vip) {
  if (!vip.dev.empty()) return vip.dev;
  return instance.vmac.empty() ? instance.interface : instance.vmac;
}

std::string default_vmac_name(Family family, Vrid vrid) {
  return (family == Family::kIPv6 ? "vrrp6." : "vrrp.") + std::to_string(vrid);
}

}  // namespace floatd::config
