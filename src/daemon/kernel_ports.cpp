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

Result<AddOutcome> KernelPorts::add_address(const std::string& dev, const IpPrefix& vip,
                                            const std::string& label) {
  const InterfaceInfo* info = table_.find(dev);
  if (info == nullptr) return fail("cannot add " + vip.to_string() + ": no interface " + dev);
  auto r = kernel_.add_address(info->link.ifindex, vip, label);
  if (!r) return fail(r.error());
  if (*r == AddOutcome::kCreated) ledger_.created(info->link.ifindex, vip.address);
  return *r;
}

void KernelPorts::send_adds(std::span<const VipAdd> adds) {
  std::vector<net::AddRequest> requests;
  requests.reserve(adds.size());
  for (const auto& a : adds) {
    const InterfaceInfo* info = table_.find(a.dev);
    if (info == nullptr) {
      sent_.push_back(
          {0, a.vip.address, "cannot add " + a.vip.to_string() + ": no interface " + a.dev});
      continue;
    }
    sent_.push_back({info->link.ifindex, a.vip.address, std::nullopt});
    requests.push_back({info->link.ifindex, a.vip, a.label});
  }
  if (!requests.empty()) kernel_.send_adds(requests);
}

std::vector<Result<AddOutcome>> KernelPorts::collect_adds() {
  std::vector<Result<AddOutcome>> answers = kernel_.collect_adds();
  std::vector<Result<AddOutcome>> out;
  out.reserve(sent_.size());
  std::size_t next = 0;
  for (const auto& s : sent_) {
    if (s.error) {
      out.push_back(fail(*s.error));
    } else if (next >= answers.size()) {
      out.push_back(fail("add " + s.address.to_string() + ": no answer"));
    } else {
      auto& answer = answers[next++];
      if (answer && *answer == AddOutcome::kCreated) ledger_.created(s.ifindex, s.address);
      out.push_back(std::move(answer));
    }
  }
  sent_.clear();
  return out;
}

Result<RemoveOutcome> KernelPorts::remove_address(const std::string& dev, const IpPrefix& vip) {
  const InterfaceInfo* info = table_.find(dev);
  if (info == nullptr) return RemoveOutcome::kAbsent;  // gone with its interface
  const int ifindex = info->link.ifindex;
  if (!ledger_.owns(table_, ifindex, vip.address)) {
    return info->has_address(vip) ? RemoveOutcome::kNotOurs : RemoveOutcome::kAbsent;
  }
  auto r = kernel_.remove_address(ifindex, vip);
  if (!r) return fail(r.error());
  ledger_.removed(ifindex, vip.address);
  return RemoveOutcome::kRemoved;
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

// L2-8: the frame is built here, where the device's MAC is known, and sent whole.
Result<Ok> KernelPorts::send_router_advert(const std::string& dev, const net::RouterAdvert& ra,
                                           const IpAddress& src) {
  const InterfaceInfo* info = table_.find(dev);
  if (info == nullptr) return fail("cannot send a Router Advertisement: no interface " + dev);
  net::RouterAdvert with_mac = ra;
  with_mac.source_link_layer = info->link.mac;
  const auto frame = net::router_advert_frame(with_mac, info->link.mac, src);
  auto r = announcer_.send_frame(info->link.ifindex, frame, "Router Advertisement");
  if (!r) return fail(r.error());
  return Ok{};
}

}  // namespace floatd::daemon
