// Rules within one [instance NAME] (see validate.hpp).
#include <map>
#include <set>

#include "config/validate.hpp"
#include "config/values.hpp"

namespace floatd::config {
namespace {

constexpr std::size_t kMaxVips = 255;  // the advert's Count IPvX Addr is one byte

std::string family_text(Family f) { return f == Family::kIPv4 ? "IPv4" : "IPv6"; }

void error(Errors& errors, const SourceLoc& loc, std::string key, std::string reason) {
  errors.push_back({loc, std::move(key), std::move(reason)});
}

void check_required(const InstanceConfig& in, Errors& errors) {
  const std::string key = section_key("instance", in.name);
  const auto& loc = in.origin.section;
  if (!in.origin.has("interface")) {
    error(errors, loc, key, "interface is required (interface = IF)");
  }
  if (!in.origin.has("virtual_router_id")) {
    error(errors, loc, key, "virtual_router_id is required (1..255)");
  }
  if (!in.origin.has("virtual_ipaddress")) {
    error(errors, loc, key, "at least one virtual_ipaddress is required (ADDR[/LEN] [dev IF])");
  }
}

void check_vip(const InstanceConfig& in, const VirtualIp& vip, Errors& errors) {
  const auto& a = vip.prefix.address;
  const auto& loc = vip.origin.loc;
  if (a.is_multicast() || a.is_unspecified()) {
    error(errors, loc, "virtual_ipaddress",
          a.to_string() + " is a multicast or unspecified address; a virtual address is unicast");
  }
  if (vip.label.empty()) return;
  const std::string& dev = vip_device(in, vip);
  if (a.is_v6()) {
    error(errors, loc, "virtual_ipaddress", "label is for IPv4 addresses only");
  } else if (vip.label.size() > 15 || vip.label.rfind(dev + ":", 0) != 0) {
    error(errors, loc, "virtual_ipaddress",
          "label \"" + vip.label + "\" must be \"" + dev + ":SUFFIX\", at most 15 characters");
  }
}

void check_vips(const InstanceConfig& in, Errors& errors) {
  if (in.vips.empty()) return;
  const auto& first = in.vips.front();
  const Family family = in.family();
  if (family == Family::kIPv6 && in.version == Version::kV2) {
    error(errors, first.origin.loc, "virtual_ipaddress",
          first.prefix.to_string() + " is IPv6, which needs version = 3 (VRRPv2 is IPv4 only)");
  }
  if (in.vips.size() > kMaxVips) {
    error(errors, in.vips[kMaxVips].origin.loc, "virtual_ipaddress",
          "more than 255 virtual addresses; an advertisement carries at most 255");
  }
  std::map<IpAddress, SourceLoc> seen;
  for (const auto& vip : in.vips) {
    const auto& a = vip.prefix.address;
    if (a.family() != family) {
      error(errors, vip.origin.loc, "virtual_ipaddress",
            vip.prefix.to_string() + " is " + family_text(a.family()) + " but this instance is " +
                family_text(family) + " (from its first virtual_ipaddress at " +
                describe_loc(first.origin.loc, vip.origin.loc) +
                "); use one instance per address family");
      continue;
    }
    auto [it, inserted] = seen.try_emplace(a, vip.origin.loc);
    if (!inserted) {
      error(errors, vip.origin.loc, "virtual_ipaddress",
            a.to_string() + " is already listed at " + describe_loc(it->second, vip.origin.loc));
    }
    check_vip(in, vip, errors);
  }
}

void check_unicast_address(const InstanceConfig& in, const IpAddress& a, const SourceLoc& loc,
                           const char* key, Errors& errors) {
  if (a.family() != in.family()) {
    error(errors, loc, key,
          a.to_string() + " is " + family_text(a.family()) + " but the virtual addresses are " +
              family_text(in.family()));
  } else if (a.is_multicast() || a.is_unspecified()) {
    error(errors, loc, key, a.to_string() + " is not a unicast address");
  }
}

void check_unicast(const InstanceConfig& in, Errors& errors) {
  if (in.unicast_src_ip) {
    check_unicast_address(in, *in.unicast_src_ip, in.origin.at("unicast_src_ip"), "unicast_src_ip",
                          errors);
  }
  std::map<IpAddress, SourceLoc> seen;
  for (const auto& peer : in.unicast_peers) {
    const auto& loc = peer.origin.loc;
    check_unicast_address(in, peer.address, loc, "unicast_peer", errors);
    if (in.unicast_src_ip && peer.address == *in.unicast_src_ip) {
      error(errors, loc, "unicast_peer",
            peer.address.to_string() + " is this node's unicast_src_ip; list the other nodes");
    }
    auto [it, inserted] = seen.try_emplace(peer.address, loc);
    if (!inserted) {
      error(errors, loc, "unicast_peer",
            peer.address.to_string() + " is already listed at " + describe_loc(it->second, loc));
    }
  }
}

// Heartbeat paths (issue 11): another interface, peers of the instance's family.
void check_heartbeat_paths(const InstanceConfig& in, Errors& errors) {
  std::map<std::string, SourceLoc> interfaces;
  for (const auto& path : in.heartbeat_paths) {
    const auto& loc = path.origin.loc;
    if (path.interface == in.interface || (!in.vmac.empty() && path.interface == in.vmac)) {
      error(errors, loc, "heartbeat_path",
            path.interface + " is the instance's own interface; a path is another link "
                             "(a direct cable, a second network)");
    }
    auto [it, inserted] = interfaces.try_emplace(path.interface, loc);
    if (!inserted) {
      error(errors, loc, "heartbeat_path",
            path.interface + " already has a path at " + describe_loc(it->second, loc) +
                "; list every peer of one interface on one line");
    }
    std::set<IpAddress> peers;
    for (const auto& peer : path.peers) {
      check_unicast_address(in, peer, loc, "heartbeat_path", errors);
      if (!peers.insert(peer).second) {
        error(errors, loc, "heartbeat_path", "peer " + peer.to_string() + " is listed twice");
      }
      if (path.src && peer == *path.src) {
        error(errors, loc, "heartbeat_path",
              "peer " + peer.to_string() + " is this node's src; list the other nodes");
      }
    }
    if (path.src) check_unicast_address(in, *path.src, loc, "heartbeat_path", errors);
  }
  if (!in.heartbeat_key.empty() && in.heartbeat_paths.empty()) {
    error(errors, in.origin.at("heartbeat_key"), "heartbeat_key",
          "authenticates heartbeat paths, and this instance has none (heartbeat_path = IF peer "
          "ADDR)");
  }
}

// strict_peers obeys only known peers (issue 11): there must be some on every link.
void check_peers(const InstanceConfig& in, Errors& errors) {
  std::map<IpAddress, SourceLoc> seen;
  for (const auto& peer : in.peers) {
    check_unicast_address(in, peer.address, peer.origin.loc, "peer", errors);
    auto [it, inserted] = seen.try_emplace(peer.address, peer.origin.loc);
    if (!inserted) {
      error(errors, peer.origin.loc, "peer",
            peer.address.to_string() + " is already listed at " +
                describe_loc(it->second, peer.origin.loc));
    }
  }
  // On the primary interface the other nodes send from their addresses there, which a
  // heartbeat_path's peers (their addresses on other links) are not: without peer lines a
  // multicast instance would refuse its own partner there as a stranger.
  if (in.strict_peers && !in.unicast() && in.peers.empty()) {
    error(errors, in.origin.at("strict_peers"), "strict_peers",
          "yes obeys only known peers, and none is listed for " + in.interface +
              ": add peer = ADDR for each other node's address there");
  }
}

void check_auth(const InstanceConfig& in, Errors& errors) {
  const auto& o = in.origin;
  const bool pass = in.auth.type == AuthType::kPass;
  // With v2_compat the VRRPv2 adverts carry PASS and v2 adverts heard must match it, so a
  // keepalived v2 pair with auth_pass can be migrated; the v3 adverts carry none (RFC 5798 §9).
  if (pass && in.version == Version::kV3 && !in.v2_compat) {
    error(errors, o.at("auth_type"), "auth_type",
          "VRRPv3 has no authentication (RFC 5798 §9); PASS needs version = 2 "
          "(or v2_compat = yes, where only the VRRPv2 adverts carry it)");
  } else if (pass && !o.has("auth_pass")) {
    error(errors, o.at("auth_type"), "auth_type", "PASS needs auth_pass (1..8 characters)");
  }
  if (!pass && o.has("auth_pass")) {
    error(errors, o.at("auth_pass"), "auth_pass", "auth_pass needs auth_type = PASS (VRRPv2 only)");
  }
}

void check_owner(const InstanceConfig& in, Errors& errors) {
  if (in.priority != kOwnerPriority) return;
  if (!in.preempt) {
    error(errors, in.origin.at("preempt"), "preempt",
          "the address owner (priority 255) always preempts (RFC 5798 §6.4.3); "
          "remove preempt = no or lower the priority");
  }
  for (const auto* list : {&in.track_interfaces, &in.track_scripts, &in.track_files}) {
    for (const auto& ref : *list) {
      if (ref.weight == 0) continue;
      const auto key = list == &in.track_interfaces ? "track_interface"
                       : list == &in.track_scripts  ? "track_script"
                                                    : "track_file";
      error(errors, ref.origin.loc, key,
            "weight " + std::to_string(ref.weight) + " of " + ref.name +
                " would never apply: the address owner's priority (255) does not change; "
                "use weight 0 (fault) or a priority of 1..254");
    }
  }
}

void check_preempt(const InstanceConfig& in, Errors& errors) {
  if (in.preempt) return;
  if (in.initial_state == State::kMaster) {
    error(errors, in.origin.at("state"), "state",
          "MASTER with preempt = no: a node that starts as master preempts anyway; "
          "use state = BACKUP");
  }
  if (in.preempt_delay.count() > 0) {
    error(errors, in.origin.at("preempt_delay"), "preempt_delay",
          "has no effect with preempt = no; remove one of them");
  }
}

void check_misc(const InstanceConfig& in, Errors& errors) {
  if (in.v3_checksum_as_v2 && (in.version == Version::kV2 || in.family() == Family::kIPv6)) {
    error(errors, in.origin.at("v3_checksum_as_v2"), "v3_checksum_as_v2",
          "only applies to VRRPv3 over IPv4; set it to no");
  }
  // RFC 5798 / RFC 9568 §8.4.2 (IOP-1): the mode lets a VRRPv3 router meet VRRPv2 ones, and
  // VRRPv2 is IPv4 only.
  if (in.v2_compat && in.version == Version::kV2) {
    error(errors, in.origin.at("v2_compat"), "v2_compat",
          "is a VRRPv3 mode that also speaks VRRPv2 (RFC 5798 §8.4.2); it needs version = 3");
  } else if (in.v2_compat && in.family() == Family::kIPv6) {
    error(errors, in.origin.at("v2_compat"), "v2_compat",
          "VRRPv2 is IPv4 only; an IPv6 instance has no VRRPv2 peer to meet (set it to no)");
  }
  if (!in.accept) {  // RFC 5798 §6.1 Accept_Mode: dropping traffic to the VIPs needs a firewall
    error(errors, in.origin.at("accept"), "accept",
          "no is not supported: floatd installs no firewall rules, so its VIPs always accept "
          "traffic (Accept_Mode true, keepalived's default); remove the line or set yes");
  }
  if (!in.vmac.empty() && in.vmac == in.interface) {
    error(errors, in.origin.at("use_vmac"), "use_vmac",
          "the VMAC interface cannot be the instance's interface " + in.interface +
              " (yes, no or another name)");
  }
}

// PKT-7 and L2-8: the virtual link-local and the Router Advertisements are IPv6's; RAs leave
// from the virtual link-local (RFC 5798 §8.2.3), so send_ra needs one.
void check_router(const InstanceConfig& in, Errors& errors) {
  const bool v6 = in.family() == Family::kIPv6;
  if (in.origin.has("virtual_link_local") && !v6) {
    error(errors, in.origin.at("virtual_link_local"), "virtual_link_local",
          "only for IPv6 instances (this one is IPv4); remove the line");
  }
  if (!in.send_ra) {
    for (const auto& [key, loc] : in.origin.keys) {
      if (key.rfind("ra_", 0) == 0) {  // the first ra_ key, by name
        error(errors, loc, key, "has no effect without send_ra = yes");
        break;
      }
    }
    return;
  }
  if (!v6) {
    error(errors, in.origin.at("send_ra"), "send_ra",
          "Router Advertisements are IPv6 (this instance is IPv4); set no");
    return;
  }
  if (!in.virtual_link_local) {
    error(errors, in.origin.at("virtual_link_local"), "virtual_link_local",
          "send_ra = yes needs the virtual link-local address the RAs come from (auto or "
          "fe80::X, not none)");
  }
  const auto& ra = in.ra;
  if (ra.min_interval && *ra.min_interval * 4 > ra.max_interval * 3) {
    error(errors, in.origin.at("ra_min_interval"), "ra_min_interval",
          format_seconds(*ra.min_interval) + " is above 0.75 * ra_max_interval " +
              format_seconds(ra.max_interval) + " (RFC 4861 6.2.1)");
  }
  const int lifetime = ra.effective_default_lifetime();
  if (ra.default_lifetime && lifetime != 0 && lifetime * 100 < ra.max_interval.count()) {
    error(errors, in.origin.at("ra_default_lifetime"), "ra_default_lifetime",
          std::to_string(lifetime) + " is below ra_max_interval " +
              format_seconds(ra.max_interval) + " (0, or ra_max_interval..9000; RFC 4861 6.2.1)");
  }
  std::map<IpAddress, SourceLoc> seen;
  for (const auto& p : ra.prefixes) {
    auto [it, inserted] = seen.try_emplace(p.prefix.address, p.origin.loc);
    if (!inserted) {
      error(errors, p.origin.loc, "ra_prefix",
            p.prefix.to_string() + " is already listed at " + describe_loc(it->second, p.origin.loc));
    }
  }
}

void check_track_dups(const std::vector<TrackRef>& list, const char* key, Errors& errors) {
  std::map<std::string, SourceLoc> seen;
  for (const auto& ref : list) {
    auto [it, inserted] = seen.try_emplace(ref.name, ref.origin.loc);
    if (!inserted) {
      error(errors, ref.origin.loc, key,
            ref.name + " is already tracked at " + describe_loc(it->second, ref.origin.loc));
    }
  }
}

}  // namespace

void validate_instance(const InstanceConfig& instance, Errors& errors) {
  check_required(instance, errors);
  check_vips(instance, errors);
  check_unicast(instance, errors);
  check_heartbeat_paths(instance, errors);
  check_peers(instance, errors);
  check_auth(instance, errors);
  check_owner(instance, errors);
  check_preempt(instance, errors);
  check_misc(instance, errors);
  check_router(instance, errors);
  check_track_dups(instance.track_interfaces, "track_interface", errors);
  check_track_dups(instance.track_scripts, "track_script", errors);
  check_track_dups(instance.track_files, "track_file", errors);
}

}  // namespace floatd::config
