// The [instance NAME] section: one VRRP virtual router, each key parsed on its own.
#include <algorithm>
#include <array>

#include "config/build.hpp"
#include "config/key_table.hpp"
#include "config/router_advert_values.hpp"
#include "config/values.hpp"
#include "vrrp/vmac.hpp"

namespace floatd::config {
namespace {

struct InstanceBuild {
  InstanceConfig& out;
  const Config& defs;         // [global], scripts and track files, built before instances
  bool vmac_default = false;  // use_vmac = yes: named once the VRID and family are known
  // virtual_link_local: unset (auto with send_ra), auto (derived once the VRID is known), none
  enum class LinkLocal : std::uint8_t { kUnset, kAuto, kNone, kGiven } link_local = LinkLocal::kUnset;
};

using Spec = KeySpec<InstanceBuild>;

SecondsRule advert_rule(Version version) {
  if (version == Version::kV2) {
    return {Centiseconds{100}, Centiseconds{25500}, true, "VRRPv2 takes whole seconds 1..255"};
  }
  return {Centiseconds{1}, Centiseconds{4095}, false, "VRRPv3 takes 0.01..40.95 in steps of 0.01"};
}

void set_interface(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  if (auto bad = check_ifname(e.value)) return errors.push_back(entry_error(e, *bad));
  b.out.interface = e.value;
}

void set_vrid(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.vrid, e, errors, [](auto v) {
    return parse_int(v, 1, 255, "1..255, unique per interface and address family");
  });
}

void set_priority(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.priority, e, errors,
         [](auto v) { return parse_int(v, 1, 255, "1..255, default 100; 255 = address owner"); });
}

void set_advert_int(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  const auto rule = advert_rule(b.out.version);
  assign(b.out.advert_int, e, errors, [&rule](auto v) { return parse_seconds(v, rule); });
}

void set_version(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.version, e, errors, parse_version);
}

void set_state(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  if (e.value == "BACKUP" || e.value == "backup") {
    b.out.initial_state = State::kBackup;
  } else if (e.value == "MASTER" || e.value == "master") {
    b.out.initial_state = State::kMaster;
  } else {
    errors.push_back(entry_error(e, "\"" + e.value + "\" is not a start state (BACKUP or MASTER)"));
  }
}

void set_preempt(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.preempt, e, errors, parse_bool);
}

void set_preempt_delay(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  static const SecondsRule kRule{Centiseconds{0}, Centiseconds{100000}, false,
                                 "0..1000 seconds in steps of 0.01"};
  assign(b.out.preempt_delay, e, errors, [](auto v) { return parse_seconds(v, kRule); });
}

void set_accept(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.accept, e, errors, parse_bool);
}

// "ADDR[/LEN] [dev IF] [label L]"
Parsed<VirtualIp> parse_vip(std::string_view text) {
  static const std::string kForm = " (ADDR[/LEN] [dev IF] [label LABEL])";
  const auto words = split_words(text);
  if (words.empty()) return fail("no address" + kForm);
  auto prefix = IpPrefix::parse(words[0]);
  if (!prefix) return fail("\"" + std::string(words[0]) + "\" is not an address" + kForm);
  if (prefix->prefix_len == 0) return fail(prefix->to_string() + ": prefix length 0" + kForm);
  VirtualIp vip{*prefix, {}, {}, {}};
  for (std::size_t i = 1; i < words.size(); i += 2) {
    const bool has_arg = i + 1 < words.size();
    std::string* field = words[i] == "dev" ? &vip.dev : words[i] == "label" ? &vip.label : nullptr;
    if (field == nullptr) return fail("unknown option \"" + std::string(words[i]) + "\"" + kForm);
    if (!has_arg) return fail("\"" + std::string(words[i]) + "\" needs a value" + kForm);
    if (!field->empty()) return fail("\"" + std::string(words[i]) + "\" given twice" + kForm);
    *field = words[i + 1];
  }
  if (!vip.dev.empty()) {
    if (auto bad = check_ifname(vip.dev)) return fail("dev " + *bad + kForm);
  }
  return vip;
}

void add_vip(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto vip = parse_vip(e.value);
  if (!vip) return errors.push_back(entry_error(e, vip.error()));
  vip->origin.loc = e.loc;
  b.out.vips.push_back(std::move(*vip));
}

Parsed<IpAddress> parse_address(std::string_view text) {
  if (auto a = IpAddress::parse(text)) return *a;
  return fail("\"" + std::string(text) + "\" is not an IPv4 or IPv6 address (one per line)");
}

void set_unicast_src(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.unicast_src_ip, e, errors, parse_address);
}

void add_unicast_peer(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto address = parse_address(e.value);
  if (!address) return errors.push_back(entry_error(e, address.error()));
  b.out.unicast_peers.push_back({*address, {e.loc}});
}

void add_peer(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto address = parse_address(e.value);
  if (!address) return errors.push_back(entry_error(e, address.error()));
  b.out.peers.push_back({*address, {e.loc}});
}

// "IF peer ADDR [peer ADDR ...] [src ADDR]"
Parsed<HeartbeatPath> parse_heartbeat_path(std::string_view text) {
  static const std::string kForm = " (IF peer ADDR [peer ADDR ...] [src ADDR])";
  const auto words = split_words(text);
  if (words.empty()) return fail("no interface" + kForm);
  if (auto bad = check_ifname(words[0])) return fail(*bad + kForm);
  HeartbeatPath path{std::string(words[0]), {}, {}, {}};
  for (std::size_t i = 1; i < words.size(); i += 2) {
    if (words[i] != "peer" && words[i] != "src") {
      return fail("unknown option \"" + std::string(words[i]) + "\"" + kForm);
    }
    if (i + 1 >= words.size()) return fail("\"" + std::string(words[i]) + "\" needs an address" + kForm);
    auto address = IpAddress::parse(words[i + 1]);
    if (!address) {
      return fail("\"" + std::string(words[i + 1]) + "\" is not an IPv4 or IPv6 address" + kForm);
    }
    if (words[i] == "peer") {
      path.peers.push_back(*address);
    } else if (path.src) {
      return fail("\"src\" given twice" + kForm);
    } else {
      path.src = *address;
    }
  }
  if (path.peers.empty()) return fail("no peer" + kForm);
  return path;
}

void add_heartbeat_path(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto path = parse_heartbeat_path(e.value);
  if (!path) return errors.push_back(entry_error(e, path.error()));
  path->origin.loc = e.loc;
  b.out.heartbeat_paths.push_back(std::move(*path));
}

void set_heartbeat_key(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  if (e.value.empty() || e.value.front() != '/') {
    return errors.push_back(entry_error(e, "an absolute file name (a root-only file, mode 0600)"));
  }
  b.out.heartbeat_key = e.value;
}

void set_strict_peers(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.strict_peers, e, errors, parse_bool);
}

void set_use_vmac(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  if (auto flag = parse_bool(e.value)) {
    b.vmac_default = *flag;
    return;
  }
  if (auto bad = check_ifname(e.value)) {
    return errors.push_back(
        entry_error(e, *bad + " (use_vmac takes yes, no or an interface name)"));
  }
  b.out.vmac = e.value;
}

// "auto", "none" or an fe80::/64 address (RFC 5798 §5.2.9, PKT-7).
void set_virtual_link_local(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  using LL = InstanceBuild::LinkLocal;
  if (e.value == "auto") {
    b.link_local = LL::kAuto;
    return;
  }
  if (e.value == "none") {
    b.link_local = LL::kNone;
    return;
  }
  auto a = IpAddress::parse(e.value);
  if (!a || !a->is_v6() || !a->is_link_local()) {
    return errors.push_back(entry_error(
        e, "\"" + e.value + "\" is not auto, none or an IPv6 link-local address (fe80::X)"));
  }
  b.link_local = LL::kGiven;
  b.out.virtual_link_local = *a;
}

void set_send_ra(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.send_ra, e, errors, parse_bool);
}

// RFC 4861 §6.2.1: MaxRtrAdvInterval 4..1800 s, MinRtrAdvInterval 3 s..0.75 * Max.
void set_ra_max_interval(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  static const SecondsRule kRule{Centiseconds{400}, Centiseconds{180000}, false,
                                 "4..1800 seconds (MaxRtrAdvInterval)"};
  assign(b.out.ra.max_interval, e, errors, [](auto v) { return parse_seconds(v, kRule); });
}

void set_ra_min_interval(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  static const SecondsRule kRule{Centiseconds{300}, Centiseconds{135000}, false,
                                 "3..1350 seconds, at most 0.75 * ra_max_interval "
                                 "(MinRtrAdvInterval)"};
  auto v = parse_seconds(e.value, kRule);
  if (!v) return errors.push_back(entry_error(e, v.error()));
  b.out.ra.min_interval = *v;
}

void set_ra_default_lifetime(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto v = parse_int(e.value, 0, 9000,
                     "0 or ra_max_interval..9000 seconds (AdvDefaultLifetime; 0: not a default "
                     "router)");
  if (!v) return errors.push_back(entry_error(e, v.error()));
  b.out.ra.default_lifetime = *v;
}

void set_ra_cur_hop_limit(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.ra.cur_hop_limit, e, errors,
         [](auto v) { return parse_int(v, 0, 255, "0..255 (AdvCurHopLimit; 0: unspecified)"); });
}

template <bool RouterAdvertConfig::*Field>
void set_ra_flag(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.ra.*Field, e, errors, parse_bool);
}

void set_ra_link_mtu(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto v = parse_u32(e.value, 65535, "0 or 1280..65535 (AdvLinkMTU; 0: no MTU option)");
  if (v && *v != 0 && *v < 1280) v = fail(e.value + " is below the IPv6 minimum MTU 1280");
  if (!v) return errors.push_back(entry_error(e, v.error()));
  b.out.ra.link_mtu = *v;
}

template <std::uint32_t RouterAdvertConfig::*Field>
void set_ra_ms(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto v = parse_u32(e.value, 3600000, "0..3600000 milliseconds (0: unspecified)");
  if (!v) return errors.push_back(entry_error(e, v.error()));
  b.out.ra.*Field = *v;
}

void set_ra_preference(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.ra.preference, e, errors, parse_preference);
}

void add_ra_prefix(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  auto p = parse_ra_prefix(e.value);
  if (!p) return errors.push_back(entry_error(e, p.error()));
  p->origin.loc = e.loc;
  b.out.ra.prefixes.push_back(std::move(*p));
}

void set_checksum_v2(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.v3_checksum_as_v2, e, errors, parse_bool);
}

void set_v2_compat(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.v2_compat, e, errors, parse_bool);
}

void set_garp_delay(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  static const SecondsRule kRule{Centiseconds{0}, Centiseconds{100000}, false,
                                 "0..1000 seconds in steps of 0.01; 0 = no second burst"};
  assign(b.out.garp.delay, e, errors, [](auto v) { return parse_seconds(v, kRule); });
}

void set_garp_repeat(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  assign(b.out.garp.repeat, e, errors,
         [](auto v) { return parse_int(v, 1, 255, "1..255 messages per burst"); });
}

void set_garp_refresh(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  static const SecondsRule kRule{Centiseconds{0}, Centiseconds{8640000}, false,
                                 "0 = off, or 1..86400 seconds in steps of 0.01"};
  auto parsed = parse_seconds(e.value, kRule);
  if (!parsed) return errors.push_back(entry_error(e, parsed.error()));
  if (*parsed > Centiseconds{0} && *parsed < Centiseconds{100}) {
    return errors.push_back(entry_error(e, e.value + " is below 1 (" + kRule.accepted + ")"));
  }
  b.out.garp.refresh = *parsed;
}

void set_auth_type(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  if (e.value == "PASS" || e.value == "pass") {
    b.out.auth.type = AuthType::kPass;
  } else if (e.value == "NONE" || e.value == "none") {
    b.out.auth.type = AuthType::kNone;
  } else {
    const std::string why =
        e.value == "AH" ? "AH is not supported" : "\"" + e.value + "\" is unknown";
    errors.push_back(entry_error(e, why + " (PASS or NONE; VRRPv2 only)"));
  }
}

void set_auth_pass(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  const bool printable = std::all_of(e.value.begin(), e.value.end(),
                                     [](unsigned char c) { return c > ' ' && c < 0x7f; });
  if (e.value.empty() || e.value.size() > 8 || !printable) {
    return errors.push_back(entry_error(
        e, "a password is 1..8 printable characters without spaces; keepalived would truncate"));
  }
  b.out.auth.pass = e.value;
}

// "NAME [weight N]"; `fallback` is the weight when none is written.
Parsed<TrackRef> parse_track(std::string_view text, int fallback) {
  static const std::string kForm = " (NAME or NAME weight N, N in -253..253; 0 = fault)";
  const auto words = split_words(text);
  if (words.empty()) return fail("no name" + kForm);
  if (auto bad = check_section_name(words[0])) return fail(*bad + kForm);
  TrackRef ref{std::string(words[0]), fallback, {}};
  if (words.size() == 1) return ref;
  if (words.size() != 3 || words[1] != "weight") {
    return fail("\"" + std::string(text) + "\" is not understood" + kForm);
  }
  auto weight = parse_weight(words[2]);
  if (!weight) return fail(weight.error());
  ref.weight = *weight;
  return ref;
}

template <typename LookupWeight>
void add_track(std::vector<TrackRef>& list, const IniEntry& e, Errors& errors,
               LookupWeight&& lookup) {
  const auto words = split_words(e.value);
  const int fallback = words.empty() ? 0 : lookup(words[0]);
  auto ref = parse_track(e.value, fallback);
  if (!ref) return errors.push_back(entry_error(e, ref.error()));
  ref->origin.loc = e.loc;
  list.push_back(std::move(*ref));
}

void add_track_interface(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  const auto words = split_words(e.value);
  if (!words.empty()) {
    if (auto bad = check_ifname(words[0])) return errors.push_back(entry_error(e, *bad));
  }
  add_track(b.out.track_interfaces, e, errors, [](auto) { return 0; });
}

void add_track_script(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  add_track(b.out.track_scripts, e, errors, [&b](auto name) {
    const auto* s = b.defs.find_script(name);
    return s == nullptr ? 0 : s->weight;
  });
}

void add_track_file(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  add_track(b.out.track_files, e, errors, [&b](auto name) {
    const auto* t = b.defs.find_track_file(name);
    return t == nullptr ? 0 : t->weight;
  });
}

template <std::string NotifyConfig::*Field>
void set_notify(InstanceBuild& b, const IniEntry& e, Errors& errors) {
  if (auto bad = check_command(e.value)) return errors.push_back(entry_error(e, *bad));
  b.out.notify.*Field = e.value;
}

constexpr std::array<Spec, 46> kInstanceKeys{{
    {"interface", Repeat::kOnce, set_interface},
    {"virtual_router_id", Repeat::kOnce, set_vrid},
    {"priority", Repeat::kOnce, set_priority},
    {"advert_int", Repeat::kOnce, set_advert_int},
    {"version", Repeat::kOnce, set_version},
    {"state", Repeat::kOnce, set_state},
    {"preempt", Repeat::kOnce, set_preempt},
    {"preempt_delay", Repeat::kOnce, set_preempt_delay},
    {"accept", Repeat::kOnce, set_accept},
    {"virtual_ipaddress", Repeat::kList, add_vip},
    {"unicast_src_ip", Repeat::kOnce, set_unicast_src},
    {"unicast_peer", Repeat::kList, add_unicast_peer},
    {"peer", Repeat::kList, add_peer},
    {"heartbeat_path", Repeat::kList, add_heartbeat_path},
    {"heartbeat_key", Repeat::kOnce, set_heartbeat_key},
    {"strict_peers", Repeat::kOnce, set_strict_peers},
    {"use_vmac", Repeat::kOnce, set_use_vmac},
    {"v3_checksum_as_v2", Repeat::kOnce, set_checksum_v2},
    {"v2_compat", Repeat::kOnce, set_v2_compat},
    {"virtual_link_local", Repeat::kOnce, set_virtual_link_local},
    {"send_ra", Repeat::kOnce, set_send_ra},
    {"ra_max_interval", Repeat::kOnce, set_ra_max_interval},
    {"ra_min_interval", Repeat::kOnce, set_ra_min_interval},
    {"ra_default_lifetime", Repeat::kOnce, set_ra_default_lifetime},
    {"ra_cur_hop_limit", Repeat::kOnce, set_ra_cur_hop_limit},
    {"ra_managed_flag", Repeat::kOnce, set_ra_flag<&RouterAdvertConfig::managed>},
    {"ra_other_config_flag", Repeat::kOnce, set_ra_flag<&RouterAdvertConfig::other_config>},
    {"ra_link_mtu", Repeat::kOnce, set_ra_link_mtu},
    {"ra_reachable_time", Repeat::kOnce, set_ra_ms<&RouterAdvertConfig::reachable_time>},
    {"ra_retrans_timer", Repeat::kOnce, set_ra_ms<&RouterAdvertConfig::retrans_timer>},
    {"ra_default_preference", Repeat::kOnce, set_ra_preference},
    {"ra_prefix", Repeat::kList, add_ra_prefix},
    {"garp_master_delay", Repeat::kOnce, set_garp_delay},
    {"garp_master_repeat", Repeat::kOnce, set_garp_repeat},
    {"garp_master_refresh", Repeat::kOnce, set_garp_refresh},
    {"auth_type", Repeat::kOnce, set_auth_type},
    {"auth_pass", Repeat::kOnce, set_auth_pass},
    {"track_interface", Repeat::kList, add_track_interface},
    {"track_script", Repeat::kList, add_track_script},
    {"track_file", Repeat::kList, add_track_file},
    {"notify_master", Repeat::kOnce, set_notify<&NotifyConfig::master>},
    {"notify_backup", Repeat::kOnce, set_notify<&NotifyConfig::backup>},
    {"notify_fault", Repeat::kOnce, set_notify<&NotifyConfig::fault>},
    {"notify_stop", Repeat::kOnce, set_notify<&NotifyConfig::stop>},
    {"notify", Repeat::kOnce, set_notify<&NotifyConfig::any>},
    {"notify_master_rx_lower_pri", Repeat::kOnce, set_notify<&NotifyConfig::master_rx_lower_pri>},
}};

// The version the instance will have, known before its advert_int is read.
Version early_version(const IniSection& section, Version fallback) {
  for (const auto& e : section.entries) {
    if (e.key == "version") {
      auto v = parse_version(e.value);
      return v ? *v : fallback;
    }
  }
  return fallback;
}

}  // namespace

InstanceConfig build_instance(const IniSection& section, std::string name, const Config& defs,
                              Errors& errors) {
  InstanceConfig out;
  out.name = std::move(name);
  out.origin.section = section.loc;
  out.version = early_version(section, defs.global.vrrp_version);
  InstanceBuild build{out, defs};
  apply_entries<InstanceBuild>(section.entries, kInstanceKeys, section.display(), build, out.origin,
                               errors);
  if (build.vmac_default) out.vmac = default_vmac_name(out.family(), out.vrid);
  // PKT-7: a router that sends RAs needs the virtual link-local (they come from it); without
  // send_ra it is off unless asked for, so that keepalived peers, whose adverts list only the
  // VIPs, see the same address list as theirs (tests/CONFORMANCE.md PKT-7).
  using LL = InstanceBuild::LinkLocal;
  const bool wants_ll =
      build.link_local == LL::kAuto || (build.link_local == LL::kUnset && out.send_ra);
  if (wants_ll && out.family() == Family::kIPv6 && out.vrid != 0) {
    out.virtual_link_local = vrrp::virtual_link_local(out.vrid);
  }
  return out;
}

}  // namespace floatd::config
