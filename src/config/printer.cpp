// The canonical printer: every section, every default filled in, one key per line.
#include <sstream>

#include "config/config.hpp"
#include "config/router_advert_values.hpp"
#include "config/values.hpp"

namespace floatd::config {
namespace {

const char* yes_no(bool b) { return b ? "yes" : "no"; }

class Printer {
 public:
  void header(std::string_view kind, std::string_view name = {}) {
    if (out_.tellp() > 0) out_ << '\n';
    out_ << '[' << kind << (name.empty() ? "" : " ") << name << "]\n";
  }
  template <typename T>
  void key(std::string_view k, const T& value) {
    out_ << k << " = " << value << '\n';
  }
  void seconds(std::string_view k, Centiseconds cs) { key(k, format_seconds(cs)); }
  void optional(std::string_view k, const std::string& value) {
    if (!value.empty()) key(k, value);
  }
  void tracks(std::string_view k, const std::vector<TrackRef>& refs) {
    for (const auto& r : refs) key(k, r.name + " weight " + std::to_string(r.weight));
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

void print_global(Printer& p, const GlobalConfig& g) {
  p.header("global");
  p.key("router_id", g.router_id);
  p.key("vrrp_version", static_cast<int>(g.vrrp_version));
  if (!g.script_user.empty()) p.key("script_user", g.script_user);
  p.key("enable_script_security", yes_no(g.enable_script_security));
  p.seconds("notify_timeout", g.notify_timeout);
  if (g.max_running_scripts != kDefaultMaxRunningScripts) p.key("max_running_scripts", g.max_running_scripts);
  p.key("control_socket", g.control_socket);
  if (!g.control_group.empty()) p.key("control_group", g.control_group);
  p.key("pid_file", g.pid_file);
  if (g.vrrp_rt_priority > 0) p.key("vrrp_rt_priority", g.vrrp_rt_priority);
  if (g.vrrp_no_swap) p.key("vrrp_no_swap", "yes");
}

void print_script(Printer& p, const ScriptConfig& s) {
  p.header("script", s.name);
  p.key("script", s.command);
  p.seconds("interval", s.interval);
  p.seconds("timeout", s.timeout);
  p.key("fall", s.fall);
  p.key("rise", s.rise);
  p.key("weight", s.weight);
  if (!s.user.empty()) p.key("user", s.user);
  p.key("init_fail", yes_no(s.init_fail));
  if (s.recover.empty()) return;  // recover_attempts alone is refused
  p.key("recover", s.recover);
  p.key("recover_attempts", s.recover_attempts);
}

void print_track_file(Printer& p, const TrackFileConfig& t) {
  p.header("track_file", t.name);
  p.key("file", t.file);
  p.key("weight", t.weight);
}

std::string vip_text(const VirtualIp& vip) {
  std::string text = vip.prefix.to_string();
  if (!vip.dev.empty()) text += " dev " + vip.dev;
  if (!vip.label.empty()) text += " label " + vip.label;
  return text;
}

void print_addresses(Printer& p, const InstanceConfig& in) {
  for (const auto& vip : in.vips) p.key("virtual_ipaddress", vip_text(vip));
  if (in.unicast_src_ip) p.key("unicast_src_ip", in.unicast_src_ip->to_string());
  for (const auto& peer : in.unicast_peers) p.key("unicast_peer", peer.address.to_string());
  for (const auto& peer : in.peers) p.key("peer", peer.address.to_string());
}

std::string path_text(const HeartbeatPath& path) {
  std::string text = path.interface;
  for (const auto& peer : path.peers) text += " peer " + peer.to_string();
  if (path.src) text += " src " + path.src->to_string();
  return text;
}

// Written only when used, so that configurations without them print as they always did.
void print_split_brain_guards(Printer& p, const InstanceConfig& in) {
  for (const auto& path : in.heartbeat_paths) p.key("heartbeat_path", path_text(path));
  p.optional("heartbeat_key", in.heartbeat_key);
  if (in.strict_peers) p.key("strict_peers", yes_no(true));
}

// Written only when used (PKT-7, L2-8), so that configurations without them print as before.
void print_router(Printer& p, const InstanceConfig& in) {
  if (in.virtual_link_local) {
    p.key("virtual_link_local", in.virtual_link_local->to_string());
  } else if (in.send_ra) {
    p.key("virtual_link_local", "none");
  }
  if (!in.send_ra) return;
  const auto& ra = in.ra;
  p.key("send_ra", yes_no(true));
  p.seconds("ra_max_interval", ra.max_interval);
  if (ra.min_interval) p.seconds("ra_min_interval", *ra.min_interval);  // else radvd's rule
  if (ra.default_lifetime) p.key("ra_default_lifetime", *ra.default_lifetime);
  p.key("ra_cur_hop_limit", ra.cur_hop_limit);
  p.key("ra_managed_flag", yes_no(ra.managed));
  p.key("ra_other_config_flag", yes_no(ra.other_config));
  p.key("ra_link_mtu", static_cast<long long>(ra.link_mtu));
  p.key("ra_reachable_time", static_cast<long long>(ra.reachable_time));
  p.key("ra_retrans_timer", static_cast<long long>(ra.retrans_timer));
  p.key("ra_default_preference", preference_text(ra.preference));
  for (const auto& prefix : ra.prefixes) p.key("ra_prefix", ra_prefix_text(prefix));
}

// The commands that are set; a sync group's `stop` and `master_rx_lower_pri` are always empty.
void print_notify(Printer& p, const NotifyConfig& n) {
  p.optional("notify_master", n.master);
  p.optional("notify_backup", n.backup);
  p.optional("notify_fault", n.fault);
  p.optional("notify_stop", n.stop);
  p.optional("notify", n.any);
  p.optional("notify_master_rx_lower_pri", n.master_rx_lower_pri);
}

void print_instance(Printer& p, const InstanceConfig& in) {
  p.header("instance", in.name);
  p.key("interface", in.interface);
  p.key("virtual_router_id", static_cast<int>(in.vrid));
  p.key("priority", static_cast<int>(in.priority));
  p.seconds("advert_int", in.advert_int);
  p.key("version", static_cast<int>(in.version));
  p.key("state", state_name(in.initial_state));
  p.key("preempt", yes_no(in.preempt));
  p.seconds("preempt_delay", in.preempt_delay);
  p.key("accept", yes_no(in.accept));
  print_addresses(p, in);
  print_split_brain_guards(p, in);
  p.key("use_vmac", in.vmac.empty() ? "no" : in.vmac);
  p.key("v3_checksum_as_v2", yes_no(in.v3_checksum_as_v2));
  p.key("v2_compat", yes_no(in.v2_compat));
  print_router(p, in);
  p.seconds("garp_master_delay", in.garp.delay);
  p.key("garp_master_repeat", in.garp.repeat);
  p.seconds("garp_master_refresh", in.garp.refresh);
  if (in.version == Version::kV2 || in.v2_compat) {
    p.key("auth_type", in.auth.type == AuthType::kPass ? "PASS" : "NONE");
    p.optional("auth_pass", in.auth.pass);
  }
  p.tracks("track_interface", in.track_interfaces);
  p.tracks("track_script", in.track_scripts);
  p.tracks("track_file", in.track_files);
  print_notify(p, in.notify);
}

void print_sync_group(Printer& p, const SyncGroupConfig& g) {
  p.header("sync_group", g.name);
  std::string names;
  for (const auto& m : g.members) names += (names.empty() ? "" : " ") + m.name;
  p.key("group", names);
  print_notify(p, g.notify);
}

}  // namespace

std::string print(const Config& config) {
  Printer p;
  print_global(p, config.global);
  for (const auto& s : config.scripts) print_script(p, s);
  for (const auto& t : config.track_files) print_track_file(p, t);
  for (const auto& in : config.instances) print_instance(p, in);
  for (const auto& g : config.sync_groups) print_sync_group(p, g);
  return p.str();
}

}  // namespace floatd::config
