// vrrp_instance NAME { ... } -> [instance NAME]: each keyword on its own, then
// the rules that need the whole block (version, family, keepalived's resets),
// in finish().
#include <algorithm>
#include <array>
#include <cctype>

#include "cli/keepalived_draft.hpp"
#include "config/values.hpp"
#include "floatd/ip_address.hpp"

namespace floatd::cli::keepalived {
namespace {

struct Instance {
  const Defs& defs;
  Notes& notes;
  InstanceDraft parts;
  Draft& draft = parts.draft;
};

using Handler = void (*)(Instance&, const Node&);

void set(Instance& in, const std::string& key, std::string value, const Node& node) {
  in.draft.set(key, Setting{std::move(value), node.loc, node.keyword}, in.notes);
}

void set_interface(Instance& in, const Node& n) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  if (auto bad = config::check_ifname(*v)) return in.notes.skip(n, *bad);
  set(in, "interface", *v, n);
}

template <int Min, int Max>
void set_int(Instance& in, const Node& n, const std::string& key) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  auto parsed = config::parse_int(*v, Min, Max, std::to_string(Min) + ".." + std::to_string(Max));
  if (!parsed) return in.notes.skip(n, parsed.error());
  set(in, key, std::to_string(*parsed), n);
}

void set_vrid(Instance& in, const Node& n) { set_int<1, 255>(in, n, "virtual_router_id"); }
void set_priority(Instance& in, const Node& n) { set_int<1, 255>(in, n, "priority"); }
void set_garp_repeat(Instance& in, const Node& n) { set_int<1, 255>(in, n, "garp_master_repeat"); }

void set_seconds(Instance& in, const Node& n, const std::string& key, Centiseconds max) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  auto text = seconds_value(*v, Centiseconds{0}, max);
  if (!text) return in.notes.skip(n, text.error());
  set(in, key, *text, n);
}

// Checked against the version in finish(); 255 s is keepalived's own limit.
void set_advert_int(Instance& in, const Node& n) {
  set_seconds(in, n, "advert_int", Centiseconds{25500});
}
void set_preempt_delay(Instance& in, const Node& n) {
  set_seconds(in, n, "preempt_delay", Centiseconds{100000});
}
void set_garp_delay(Instance& in, const Node& n) {
  set_seconds(in, n, "garp_master_delay", Centiseconds{100000});
}

void set_garp_refresh(Instance& in, const Node& n) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  auto text = seconds_value(*v, Centiseconds{0}, Centiseconds{8640000});
  if (text && *text != "0" && *parse_keepalived_seconds(*text) < Centiseconds{100}) {
    text = fail(*v + " is below 1 second");
  }
  if (!text) return in.notes.skip(n, text.error());
  set(in, "garp_master_refresh", *text, n);
}

void set_version(Instance& in, const Node& n) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  if (*v != "2" && *v != "3") return in.notes.skip(n, "\"" + *v + "\" is not 2 or 3");
  set(in, "version", *v, n);
}

void set_state(Instance& in, const Node& n) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  std::string upper = *v;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper != "MASTER" && upper != "BACKUP") {
    return in.notes.skip(n, "\"" + *v + "\" is not MASTER or BACKUP");
  }
  set(in, "state", upper, n);
}

void set_nopreempt(Instance& in, const Node& n) { in.parts.nopreempt = n.loc; }
void set_accept(Instance& in, const Node& n) { set(in, "accept", "yes", n); }
void no_effect(Instance&, const Node&) {}  // keepalived accepts it and does nothing

template <const char* Key>
void set_flag(Instance& in, const Node& n) {
  auto v = bool_value(n);
  if (!v) return in.notes.skip(n, "\"" + n.args[0] + "\" is not a boolean");
  set(in, Key, *v, n);
}
constexpr char kChecksumKey[] = "v3_checksum_as_v2";

void set_source(Instance& in, const Node& n) {
  auto v = one_arg(n, in.notes);
  if (!v) return;
  auto address = IpAddress::parse(*v);
  if (!address) return in.notes.skip(n, "\"" + *v + "\" is not an IP address");
  set(in, "unicast_src_ip", address->to_string(), n);
}

// use_vmac [[name] IFNAME] [MAC] [netlink_notify_msg] [group ID]
void set_use_vmac(Instance& in, const Node& n) {
  std::string value = "yes";
  for (std::size_t i = 0; i < n.args.size(); ++i) {
    const std::string& word = n.args[i];
    const bool is_mac = std::count(word.begin(), word.end(), ':') == 5;
    if (word == "name") continue;
    if (word == "group" || word == "netlink_notify_msg" || is_mac) {
      in.notes.add(n.loc, n.keyword,
                   "\"" + word + "\" " + not_carried("floatd's VMAC takes only a name"));
      if (word == "group") ++i;
      continue;
    }
    if (auto bad = config::check_ifname(word)) return in.notes.skip(n, *bad);
    value = word;
  }
  set(in, "use_vmac", value, n);
}

template <const char* Key>
void set_notify(Instance& in, const Node& n) {
  if (auto s = command_setting(n, in.notes, true)) in.draft.set(Key, std::move(*s), in.notes);
}
constexpr char kNotifyMaster[] = "notify_master";
constexpr char kNotifyBackup[] = "notify_backup";
constexpr char kNotifyFault[] = "notify_fault";
constexpr char kNotifyStop[] = "notify_stop";
constexpr char kNotify[] = "notify";
constexpr char kNotifyLowerPri[] = "notify_master_rx_lower_pri";

// --- blocks ---

// One line of virtual_ipaddress: ADDR[/LEN] [dev IF] [label L] [other options].
void add_vip(Instance& in, const Node& n) {
  auto prefix = IpPrefix::parse(n.keyword);
  if (!prefix || prefix->prefix_len == 0 || prefix->address.is_multicast() ||
      prefix->address.is_unspecified()) {
    return in.notes.add(n.loc, n.keyword, not_carried("not a unicast address with a prefix"));
  }
  if (!in.parts.vips.empty() &&
      in.parts.vips.front().prefix.address.family() != prefix->address.family()) {
    return in.notes.add(n.loc, n.keyword,
                        not_carried("keepalived ignores an address of another family than the "
                                    "first; use one instance per family"));
  }
  const auto same = [&](const VipDraft& v) { return v.prefix.address == prefix->address; };
  if (std::any_of(in.parts.vips.begin(), in.parts.vips.end(), same)) {
    return in.notes.add(n.loc, n.keyword, not_carried("listed twice"));
  }
  VipDraft vip{*prefix, {}, {}, n.loc};
  for (std::size_t i = 0; i < n.args.size(); ++i) {
    const std::string& option = n.args[i];
    const bool has_value = i + 1 < n.args.size();
    if ((option == "dev" || option == "label") && has_value) {
      (option == "dev" ? vip.dev : vip.label) = n.args[++i];
      continue;
    }
    static const std::array<std::string_view, 7> kWithValue{
        "brd", "broadcast", "scope", "preferred_lft", "peer", "track_group", "valid_lft"};
    const bool takes_value =
        std::find(kWithValue.begin(), kWithValue.end(), option) != kWithValue.end();
    in.notes.add(n.loc, option, not_carried("floatd sets only dev and label on a virtual address"));
    if (takes_value) ++i;
  }
  if (!vip.dev.empty()) {
    if (auto bad = config::check_ifname(vip.dev)) {
      return in.notes.add(n.loc, n.keyword, not_carried("dev " + *bad));
    }
  }
  in.parts.vips.push_back(std::move(vip));
}

void add_peer(Instance& in, const Node& n) {
  auto address = IpAddress::parse(n.keyword);
  if (!address) return in.notes.add(n.loc, n.keyword, not_carried("not an IP address"));
  if (!n.args.empty()) {
    in.notes.add(n.loc, n.args[0], not_carried("floatd takes only the peer's address"));
  }
  const auto& peers = in.draft.lists["unicast_peer"];
  const auto same = [&](const Setting& s) { return s.value == address->to_string(); };
  if (std::any_of(peers.begin(), peers.end(), same)) {
    return in.notes.add(n.loc, n.keyword, not_carried("listed twice"));
  }
  in.draft.add("unicast_peer", Setting{address->to_string(), n.loc, n.keyword});
}

void set_auth(Instance& in, const Node& n) {
  const Node* type = nullptr;
  const Node* pass = nullptr;
  for (const auto& c : n.children) {
    if (c.keyword == "auth_type")
      type = &c;
    else if (c.keyword == "auth_pass")
      pass = &c;
    else
      in.notes.skip(c, "floatd's authentication has auth_type and auth_pass only");
  }
  if (type == nullptr || type->args.empty()) return in.notes.skip(n, "it has no auth_type");
  if (type->args[0] != "PASS") {
    return in.notes.skip(n, "auth_type " + type->args[0] + ": floatd supports PASS only");
  }
  if (pass == nullptr || pass->args.empty()) return in.notes.skip(n, "it has no auth_pass");
  const std::string password = pass->args[0].substr(0, 8);  // keepalived uses 8 characters
  const bool printable = std::all_of(password.begin(), password.end(),
                                     [](unsigned char c) { return c > ' ' && c < 0x7f; });
  if (!printable) return in.notes.skip(*pass, "floatd takes printable characters without spaces");
  set(in, "auth_type", "PASS", *type);
  set(in, "auth_pass", password, *pass);
}

// A tracking line: NAME [weight N [reverse|noreverse]]; the weight when one is
// written.
struct TrackLine {
  std::optional<int> weight;
  bool reverse = false;
};

std::optional<TrackLine> parse_track_line(const Node& n, Notes& notes) {
  TrackLine line;
  if (n.args.empty()) return line;
  auto weight = n.args[0] == "weight" && n.args.size() >= 2 ? config::parse_weight(n.args[1])
                                                            : fail(std::string("not understood"));
  if (!weight) {
    notes.add(n.loc, n.keyword, not_carried(weight.error()));
    return std::nullopt;
  }
  line.weight = *weight;
  for (std::size_t i = 2; i < n.args.size(); ++i) {
    if (n.args[i] == "reverse")
      line.reverse = true;
    else if (n.args[i] != "noreverse")
      notes.add(n.loc, n.args[i], not_carried("not understood"));
  }
  return line;
}

void add_track(Instance& in, const Node& n, const std::string& key, const std::string& name,
               int weight) {
  auto& list = in.draft.lists[key];
  const auto same = [&](const Setting& s) { return config::split_words(s.value)[0] == name; };
  if (std::any_of(list.begin(), list.end(), same)) {
    return in.notes.add(n.loc, n.keyword, not_carried("tracked twice"));
  }
  list.push_back(Setting{track_text(name, weight), n.loc, n.keyword});
}

void track_interfaces(Instance& in, const Node& block) {
  for (const auto& n : block.children) {
    auto line = parse_track_line(n, in.notes);
    if (!line) continue;
    if (auto bad = config::check_ifname(n.keyword))
      in.notes.add(n.loc, n.keyword, not_carried(*bad));
    else if (line->reverse)
      in.notes.add(n.loc, n.keyword, not_carried("floatd has no reverse weights"));
    else
      add_track(in, n, "track_interface", n.keyword, line->weight.value_or(0));
  }
}

void track_defined(Instance& in, const Node& block, const std::string& key,
                   const std::map<std::string, TrackedDef>& defs, const std::string& what) {
  for (const auto& n : block.children) {
    auto line = parse_track_line(n, in.notes);
    if (!line) continue;
    const auto it = defs.find(n.keyword);
    const bool reverse = line->reverse || (!line->weight && it != defs.end() && it->second.reverse);
    if (it == defs.end()) {
      in.notes.add(n.loc, n.keyword,
                   not_carried("no " + what + " " + n.keyword +
                               " before this line; keepalived ignores the reference"));
    } else if (!it->second.carried) {
      in.notes.add(n.loc, n.keyword, not_carried(what + " " + n.keyword + " was not carried over"));
    } else if (reverse) {
      in.notes.add(n.loc, n.keyword, not_carried("floatd has no reverse weights"));
    } else {
      add_track(in, n, key, it->second.name, line->weight.value_or(it->second.weight));
    }
  }
}

void track_scripts(Instance& in, const Node& n) {
  track_defined(in, n, "track_script", in.defs.scripts, "vrrp_script");
}
void track_files(Instance& in, const Node& n) {
  track_defined(in, n, "track_file", in.defs.files, "track_file");
}
void vips(Instance& in, const Node& n) {
  for (const auto& c : n.children) add_vip(in, c);
}
void peers(Instance& in, const Node& n) {
  for (const auto& c : n.children) add_peer(in, c);
}

constexpr std::array<std::pair<std::string_view, Handler>, 30> kHandlers{{
    {"interface", set_interface},
    {"virtual_router_id", set_vrid},
    {"priority", set_priority},
    {"advert_int", set_advert_int},
    {"version", set_version},
    {"state", set_state},
    {"nopreempt", set_nopreempt},
    {"preempt", no_effect},
    {"debug", no_effect},
    {"preempt_delay", set_preempt_delay},
    {"accept", set_accept},
    {"virtual_ipaddress", vips},
    {"unicast_src_ip", set_source},
    {"mcast_src_ip", set_source},
    {"unicast_peer", peers},
    {"use_vmac", set_use_vmac},
    {"authentication", set_auth},
    {"garp_master_delay", set_garp_delay},
    {"garp_master_repeat", set_garp_repeat},
    {"garp_master_refresh", set_garp_refresh},
    {"track_interface", track_interfaces},
    {"track_script", track_scripts},
    {"track_file", track_files},
    {"notify_master", set_notify<kNotifyMaster>},
    {"notify_backup", set_notify<kNotifyBackup>},
    {"notify_fault", set_notify<kNotifyFault>},
    {"notify_stop", set_notify<kNotifyStop>},
    {"notify", set_notify<kNotify>},
    {"notify_master_rx_lower_pri", set_notify<kNotifyLowerPri>},
    {"v3_checksum_as_v2", set_flag<kChecksumKey>},
}};

const std::vector<Reason> kReasons{
    {"no_accept",
     "floatd refuses accept = no: it installs no firewall rules "
     "to drop traffic "
     "to the addresses"},
    {"strict_mode", "floatd has no strict mode"},
    {"dont_track_primary", "floatd always tracks the instance's interface"},
    {"virtual_ipaddress_excluded",
     "floatd has no excluded addresses; every address is in the "
     "adverts"},
    {"virtual_routes", "floatd manages no routes; a notify command can"},
    {"virtual_rules", "floatd manages no rules; a notify command can"},
    {"track_process", "floatd has no process tracking; a vrrp_script such as pidof can"},
    {"track_bfd", "floatd has no BFD"},
    {"smtp_alert", "floatd sends no e-mail; a notify command can"},
    {"vmac_xmit_base", "floatd sends adverts through the VMAC"},
    {"use_ipvlan", "floatd has use_vmac (macvlan) only"},
    {"auth_hmac", "floatd has no HMAC authentication"},
    {"notify_priority_changes", "floatctl events reports priority changes"},
    {"notify_", "floatd has no such notify command"},
    {"garp_", "floatd has garp_master_delay, _repeat and _refresh only"},
};

}  // namespace

std::optional<Draft> import_instance(const Node& node, const Defs& defs, Notes& notes) {
  auto name = section_name(node, notes);
  if (!name) return std::nullopt;
  Instance in{defs, notes, InstanceDraft{Draft{"instance", *name, node.loc, {}, {}, {}}, {}, {}}};
  for (const auto& child : node.children) {
    const auto it = std::find_if(kHandlers.begin(), kHandlers.end(),
                                 [&](const auto& h) { return h.first == child.keyword; });
    if (it == kHandlers.end()) {
      notes.skip(child, reason_for(child.keyword, kReasons));
    } else {
      it->second(in, child);
    }
  }
  return finish_instance(std::move(in.parts), defs, notes);
}

}  // namespace floatd::cli::keepalived
