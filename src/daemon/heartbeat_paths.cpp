#include "daemon/heartbeat_paths.hpp"

#include <algorithm>

namespace floatd::daemon {
namespace {

std::vector<std::string> path_names(const config::InstanceConfig& c) {
  std::vector<std::string> names{c.interface};
  for (const auto& p : c.heartbeat_paths) names.push_back(p.interface);
  return names;
}

}  // namespace

HeartbeatPaths::HeartbeatPaths(const config::InstanceConfig& config)
    : watch_(path_names(config)) {
  config::HeartbeatPath primary;
  primary.interface = config.interface;
  links_.emplace_back().config = std::move(primary);
  for (const auto& p : config.heartbeat_paths) links_.emplace_back().config = p;
}

std::optional<std::string> HeartbeatPaths::update_interface(std::size_t path,
                                                            const InterfaceInfo* iface,
                                                            Family family) {
  Link& link = links_.at(path);
  const std::string& name = link.config.interface;
  std::optional<std::string> down;
  if (iface == nullptr) {
    down = "interface " + name + " does not exist";
  } else if (!iface->usable()) {
    down = "link " + name + (iface->link.admin_up ? " has no carrier" : " is down");
  }
  // PKT-11, as on the primary interface: the primary IPv4 address or the IPv6 link-local.
  link.source = link.config.src;
  if (!link.source && iface != nullptr) {
    link.source = family == Family::kIPv4 ? iface->primary_v4() : iface->link_local_v6();
  }
  if (!down && !link.source) {
    const char* what = family == Family::kIPv4 ? "IPv4 address" : "IPv6 link-local address";
    down = std::string("no ") + what + " on " + name + " to send adverts from";
  }
  link.usable = !down;
  return down;
}

void HeartbeatPaths::set_auth(std::optional<PathAuth> auth) {
  const bool same_epoch = auth && auth_ && auth->epoch == auth_->epoch;
  auth_ = std::move(auth);
  if (!auth_) {
    sequence_.reset();
  } else if (!same_epoch || !sequence_) {
    sequence_.emplace(auth_->epoch);
  }
  // A new key: what the old one accepted says nothing about the new one.
  for (auto& link : links_) link.replay.clear();
}

Result<std::vector<std::uint8_t>> HeartbeatPaths::seal(std::span<const std::uint8_t> message,
                                                      const IpAddress& src, const IpAddress& dst) {
  if (!auth_ || !sequence_) return fail(std::string("no heartbeat key"));
  return vrrp::seal(message, src, dst, sequence_->next(), *auth_->hmac);
}

Result<std::span<const std::uint8_t>, vrrp::DropReason> HeartbeatPaths::unseal(
    std::size_t path, std::span<const std::uint8_t> payload, const vrrp::PacketInfo& info) {
  if (!auth_) return payload;
  auto opened = vrrp::unseal(payload, info.src, info.dst, *auth_->hmac);
  if (!opened) return fail(opened.error());
  if (!links_.at(path).replay.accept(info.src, opened->seq)) {
    return fail(vrrp::DropReason::kAuthReplayed);
  }
  return opened->message;
}

bool HeartbeatPaths::is_peer(std::size_t path, const IpAddress& src) const {
  const auto& peers = links_.at(path).config.peers;
  return std::find(peers.begin(), peers.end(), src) != peers.end();
}

std::string_view path_state_shown(vrrp::PathState state, bool master) {
  return state == vrrp::PathState::kIdle && master ? "sending" : vrrp::path_state_name(state);
}

}  // namespace floatd::daemon
