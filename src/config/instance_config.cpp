#include "config/instance_config.hpp"

namespace floatd::config {

Family InstanceConfig::family() const {
  return vips.empty() ? Family::kIPv4 : vips.front().prefix.address.family();
}

const std::string& advert_device(const InstanceConfig& instance) {
  return instance.vmac.empty() ? instance.interface : instance.vmac;
}

const std::string& vip_device(const InstanceConfig& instance, const VirtualIp& vip) {
  return vip.dev.empty() ? advert_device(instance) : vip.dev;
}

std::string default_vmac_name(Family family, Vrid vrid) {
  return (family == Family::kIPv6 ? "vrrp6." : "vrrp.") + std::to_string(vrid);
}

}  // namespace floatd::config
