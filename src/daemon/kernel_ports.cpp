#include "daemon/kernel_ports.hpp"

namespace floatd::daemon {

Result<Ok> KernelPorts::send_advert(const std::string& socket_dev, Family family,
                                    std::span<const std::uint8_t> message, const IpAddress& src,
                                    const IpAddress& dst, const std::string& out_dev) {
  AdvertSocket* socket = sockets_(socket_dev, family);
  if (socket == nullptr) return fail("no VRRP socket open on " + socket_dev);
  const InterfaceInfo* out = table_.find(out_dev);
  if (out == nullptr) return fail("interface " + out_dev + " does not exist");
  auto r = socket->send(message, src, dst, out->link.ifindex);
  if (!r) return fail(r.error());
  return Ok{};
}

Result<Ok> KernelPorts::add_address(const std::string& dev, const IpPrefix& vip,
                                    const std::string& label) {
  const InterfaceInfo* info = table_.find(dev);
  if (info == nullptr) return fail("cannot add " + vip.to_string() + ": no interface " + dev);
  auto r = kernel_.add_address(info->link.ifindex, vip, label);
  if (!r) return fail(r.error());
  return Ok{};
}

Result<Ok> KernelPorts::remove_address(const std::string& dev, const IpPrefix& vip) {
  const InterfaceInfo* info = table_.find(dev);
  if (info == nullptr) return Ok{};  // the interface went away, and its addresses with it
  auto r = kernel_.remove_address(info->link.ifindex, vip);
  if (!r) return fail(r.error());
  return Ok{};
}

// L2-10: GARP from the device's MAC (the virtual MAC on a VMAC), unsolicited NA likewise.
Result<Ok> KernelPorts::announce(const std::string& dev, const IpAddress& vip) {
  const InterfaceInfo* info = table_.find(dev);
  if (info == nullptr) return fail("cannot announce " + vip.to_string() + ": no interface " + dev);
  Result<Ok> r = Ok{};
  if (vip.is_v4()) {
    r = announcer_.send_garp(info->link.ifindex, info->link.mac, vip);
  } else {
    const IpAddress source = info->link_local_v6().value_or(vip);
    r = announcer_.send_na(info->link.ifindex, info->link.mac, source, vip, /*router=*/true);  // R+O
  }
  if (!r) return fail(r.error());
  return Ok{};
}

}  // namespace floatd::daemon
