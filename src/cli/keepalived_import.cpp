// The top level of the mapping: global_defs, vrrp_script, track_file,
// vrrp_sync_group and the blocks floatd has no place for; then the INI text in
// floatd's order.
#include "cli/keepalived_import.hpp"

#include <algorithm>
#include <array>

#include "cli/keepalived_draft.hpp"
#include "config/values.hpp"

namespace floatd::cli::keepalived {

namespace {

struct State {
  Notes notes;
  Defs defs;
  Draft global{"global", "", {}, {}, {}, {}};
  std::vector<Draft> scripts, track_files, instances, sync_groups;
};

const std::vector<Reason> kGlobalReasons{
    {"notification_", "floatd sends no e-mail; a notify command can"},
    {"smtp_", "floatd sends no e-mail; a notify command can"},
    {"no_email_faults", "floatd sends no e-mail; a notify command can"},
    {"enable_snmp_", "floatd has no SNMP agent; floatctl status --json gives the state"},
    {"snmp_socket", "floatd has no SNMP agent; floatctl status --json gives the state"},
    {"enable_traps", "floatd has no SNMP agent; floatctl events follows transitions"},
    {"enable_dbus",
     "floatd has no D-Bus interface; floatctl status and events "
     "give the state"},
    {"dbus_", "floatd has no D-Bus interface"},
    {"vrrp_strict", "floatd has no strict mode; its no_accept would be refused too"},
    {"notify_fifo", "floatd has no notify FIFO; floatctl events is an ordered stream"},
    {"vrrp_notify_fifo", "floatd has no notify FIFO; floatctl events is an ordered stream"},
    {"lvs_", "floatd has no LVS"},
    {"checker_", "floatd has no health checkers"},
    {"bfd_", "floatd has no BFD"},
};

const std::vector<Reason> kTopReasons{
    {"virtual_server", "floatd has no LVS virtual servers"},
    {"virtual_server_group", "floatd has no LVS virtual servers"},
    {"vrrp_track_process", "floatd has no process tracking; a vrrp_script such as pidof can"},
    {"bfd_instance", "floatd has no BFD"},
    {"static_ipaddress", "floatd manages no static addresses"},
    {"static_routes", "floatd manages no routes"},
    {"static_rules", "floatd manages no rules"},
};

void set(Draft& d, const std::string& key, std::string value, const Node& n, Notes& notes) {
  d.set(key, Setting{std::move(value), n.loc, n.keyword}, notes);
}

// USER [GROUP] for script_user and a script's user; the group is noted.
void set_user(Draft& d, const std::string& key, const Node& n, Notes& notes) {
  if (n.args.empty()) return notes.skip(n, "it has no user");
  if (auto bad = config::check_user(n.args[0])) return notes.skip(n, *bad);
  set(d, key, n.args[0], n, notes);
  if (n.args.size() > 1) {
    notes.add(n.loc, n.keyword, "group " + n.args[1] + " " + not_carried("floatd sets no group"));
  }
}

// One value checked by `parse`, written with `set` (or noted).
template <typename Parse, typename Set>
void checked(const Node& n, Notes& notes, Parse&& parse, Set&& set_value) {
  auto v = one_arg(n, notes);
  if (!v) return;
  auto parsed = parse(*v);
  if (!parsed) return notes.skip(n, parsed.error());
  set_value(*parsed);
}

Result<std::string> count_value(const std::string& text) {
  auto c = config::parse_int(text, 1, 255, "1..255");
  if (!c) return fail(c.error());
  return std::to_string(*c);
}

// The global_defs keywords that are [global] keys in floatd.
bool global_key(State& st, const Node& n) {
  if (n.keyword == "router_id") {
    if (auto v = one_arg(n, st.notes)) set(st.global, "router_id", *v, n, st.notes);
  } else if (n.keyword == "script_user") {
    set_user(st.global, "script_user", n, st.notes);
  } else if (n.keyword == "enable_script_security") {
    set(st.global, "enable_script_security", "yes", n, st.notes);
  } else if (n.keyword == "vrrp_rt_priority") {
    checked(
        n, st.notes,
        [](const std::string& v) -> Result<std::string> {
          auto p = config::parse_int(v, 1, 99, "1..99");
          if (!p) return fail(p.error());
          return std::to_string(*p);
        },
        [&](const std::string& v) { set(st.global, "vrrp_rt_priority", v, n, st.notes); });
  } else if (n.keyword == "vrrp_no_swap") {
    set(st.global, "vrrp_no_swap", "yes", n, st.notes);
  } else if (n.keyword == "vrrp_version") {
    auto v = one_arg(n, st.notes);
    if (v && *v != "2" && *v != "3")
      st.notes.skip(n, "\"" + *v + "\" is not 2 or 3");
    else if (v)
      st.defs.vrrp_version = *v;
  } else {
    return false;
  }
  return true;
}

// The global_defs keywords that are instance keys in floatd: defaults for every instance.
bool instance_key(InstanceDefaults& d, const Node& n, Notes& notes) {
  const auto seconds = [&](std::optional<Setting>& slot, Centiseconds max) {
    checked(
        n, notes, [max](const std::string& v) { return seconds_value(v, Centiseconds{0}, max); },
        [&](const std::string& v) {
          slot = Setting{v, n.loc, n.keyword};
        });
  };
  if (n.keyword == "vrrp_garp_master_delay") {
    seconds(d.garp_delay, Centiseconds{100000});
  } else if (n.keyword == "vrrp_garp_master_refresh") {
    seconds(d.garp_refresh, Centiseconds{8640000});
  } else if (n.keyword == "vrrp_garp_master_repeat") {
    checked(n, notes, count_value, [&](const std::string& v) {
      d.garp_repeat = Setting{v, n.loc, n.keyword};
    });
  } else if (n.keyword == "vrrp_min_garp") {
    if (bool_value(n) != "yes") return true;
    d.garp_repeat = Setting{"1", n.loc, n.keyword};
    d.garp_delay = Setting{"0", n.loc, n.keyword};
  } else if (n.keyword == "v3_checksum_as_v2" && bool_value(n)) {
    d.checksum_as_v2 = Setting{*bool_value(n), n.loc, n.keyword};
  } else {
    return false;
  }
  return true;
}

void global_keyword(State& st, const Node& n) {
  if (global_key(st, n) || instance_key(st.defs.instance, n, st.notes)) return;
  st.notes.skip(n, reason_for(n.keyword, kGlobalReasons));
}

// weight N [reverse] of a vrrp_script or track_file: the default of the track_* lines.
void set_weight(Draft& d, TrackedDef& def, const Node& n, Notes& notes) {
  auto w = n.args.empty() ? fail(std::string("it has no value")) : config::parse_weight(n.args[0]);
  if (!w) return notes.skip(n, w.error());
  def.weight = *w;
  def.reverse = n.args.size() > 1 && n.args[1] == "reverse";
  if (def.reverse) return notes.skip(n, "floatd has no reverse weights");
  set(d, "weight", std::to_string(*w), n, notes);
}

void script_keyword(Draft& d, TrackedDef& def, const Node& n, Notes& notes) {
  const auto write = [&](const std::string& v) { set(d, n.keyword, v, n, notes); };
  const auto seconds = [](const std::string& v) {
    return seconds_value(v, Centiseconds{10}, Centiseconds{360000});
  };
  if (n.keyword == "script") {
    if (auto s = command_setting(n, notes, false)) d.set("script", std::move(*s), notes);
  } else if (n.keyword == "interval" || n.keyword == "timeout") {
    checked(n, notes, seconds, write);
  } else if (n.keyword == "rise" || n.keyword == "fall") {
    checked(n, notes, count_value, write);
  } else if (n.keyword == "weight") {
    set_weight(d, def, n, notes);
  } else if (n.keyword == "user") {
    set_user(d, "user", n, notes);
  } else if (n.keyword == "init_fail") {
    set(d, "init_fail", "yes", n, notes);
  } else {
    notes.skip(n, "floatd's [script] has no such key");
  }
}

void track_file_keyword(Draft& d, TrackedDef& def, const Node& n, Notes& notes) {
  if (n.keyword == "file") {
    auto v = one_arg(n, notes);
    if (!v) return;
    if (auto bad = config::check_absolute_path(*v)) return notes.skip(n, *bad);
    set(d, "file", *v, n, notes);
  } else if (n.keyword == "weight") {
    set_weight(d, def, n, notes);
  } else if (n.keyword == "init_file") {
    notes.skip(n, "floatd does not create the file; create it before floatd starts");
  } else {
    notes.skip(n, "floatd's [track_file] has no such key");
  }
}

// vrrp_script and track_file: a section, and what track_* lines see of it.
void tracked_section(State& st, const Node& node, const std::string& kind, const char* required,
                     int default_weight) {
  auto name = section_name(node, st.notes);
  if (!name) return;
  auto& defs = kind == "script" ? st.defs.scripts : st.defs.files;
  auto& list = kind == "script" ? st.scripts : st.track_files;
  if (defs.count(node.args[0]) != 0) return st.notes.skip(node, "defined twice");
  Draft d{kind, *name, node.loc, {}, {}, {}};
  TrackedDef def{*name, false, default_weight, false};
  for (const auto& child : node.children) {
    if (kind == "script")
      script_keyword(d, def, child, st.notes);
    else
      track_file_keyword(d, def, child, st.notes);
  }
  def.carried = d.get(required) != nullptr;
  if (!def.carried) {
    st.notes.add(node.loc, node.keyword + " " + node.args[0],
                 not_carried(std::string("it has no usable ") + required));
  }
  if (def.carried) list.push_back(std::move(d));
  defs[node.args[0]] = def;
}

void instance_section(State& st, const Node& node) {
  auto draft = import_instance(node, st.defs, st.notes);
  if (!draft) return;
  const auto same = [&](const Draft& d) { return d.name == draft->name; };
  if (std::any_of(st.instances.begin(), st.instances.end(), same)) {
    return st.notes.skip(node, "an instance of that name is defined before");
  }
  st.instances.push_back(std::move(*draft));
}

void top_level(State& st, const Node& node) {
  if (node.keyword == "global_defs") return;  // read first, see import_config
  if (node.keyword == "vrrp_script") return tracked_section(st, node, "script", "script", 0);
  if (node.keyword == "track_file" || node.keyword == "vrrp_track_file") {
    return tracked_section(st, node, "track_file", "file", 1);
  }
  if (node.keyword == "vrrp_instance") return instance_section(st, node);
  if (node.keyword == "vrrp_sync_group") return;  // after every instance, see import_config
  st.notes.skip(node, reason_for(node.keyword, kTopReasons));
}

}  // namespace

ImportResult import_config(const std::vector<Node>& nodes, const ImportOptions& options) {
  State st;
  for (const auto& node : nodes) {
    if (node.keyword != "global_defs") continue;
    for (const auto& child : node.children) global_keyword(st, child);
  }
  for (const auto& node : nodes) top_level(st, node);
  std::vector<std::string> grouped;
  for (const auto& node : nodes) {
    if (node.keyword != "vrrp_sync_group") continue;
    if (auto g = import_sync_group(node, st.instances, grouped, st.notes)) {
      st.sync_groups.push_back(std::move(*g));
    }
  }
  st.global.once["vrrp_version"] = Setting{st.defs.vrrp_version, {}, "vrrp_version"};
  const std::vector<const std::vector<Draft>*> sections{&st.scripts, &st.track_files, &st.instances,
                                                        &st.sync_groups};
  ImportResult result{render(st.global, sections, options, st.notes), st.notes.take()};
  sort_notes(result.notes, options.files);
  return result;
}

}  // namespace floatd::cli::keepalived
