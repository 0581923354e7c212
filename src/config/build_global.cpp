// The [global] section(s): daemon-wide settings, merged over every [global] in every file.
#include <array>

#include "config/build.hpp"
#include "config/key_table.hpp"
#include "config/values.hpp"

namespace floatd::config {
namespace {

constexpr std::size_t kSunPathMax = 107;  // sockaddr_un.sun_path less the NUL

void set_router_id(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  if (e.value.empty() || e.value.find_first_of(" \t") != std::string::npos) {
    errors.push_back(
        entry_error(e, "\"" + e.value + "\" is not a router id (one word, e.g. lb-a)"));
    return;
  }
  g.router_id = e.value;
}

void set_vrrp_version(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  assign(g.vrrp_version, e, errors, parse_version);
}

void set_script_user(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  if (auto bad = check_user(e.value)) return errors.push_back(entry_error(e, *bad));
  g.script_user = e.value;
}

void set_script_security(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  assign(g.enable_script_security, e, errors, parse_bool);
}

void set_notify_timeout(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  static const SecondsRule kRule{Centiseconds{100}, Centiseconds{360000}, false,
                                 "1..3600 seconds in steps of 0.01"};
  assign(g.notify_timeout, e, errors, [](auto v) { return parse_seconds(v, kRule); });
}

void set_max_running_scripts(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  assign(g.max_running_scripts, e, errors,
         [](auto v) { return parse_int(v, 1, 4096, "1..4096 scripts at once"); });
}

void set_control_socket(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  if (auto bad = check_absolute_path(e.value)) return errors.push_back(entry_error(e, *bad));
  if (e.value.size() > kSunPathMax) {
    return errors.push_back(entry_error(e, "path is " + std::to_string(e.value.size()) +
                                               " characters; a unix socket path has at most 107"));
  }
  g.control_socket = e.value;
}

void set_control_group(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  if (auto bad = check_user(e.value)) {  // group names follow the same rules as user names
    return errors.push_back(entry_error(e, "\"" + e.value + "\" is not a group name"));
  }
  g.control_group = e.value;
}

void set_pid_file(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  if (auto bad = check_absolute_path(e.value)) return errors.push_back(entry_error(e, *bad));
  g.pid_file = e.value;
}

void set_rt_priority(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  assign(g.vrrp_rt_priority, e, errors,
         [](auto v) { return parse_int(v, 0, 99, "0 (off) or a SCHED_RR priority 1..99"); });
}

void set_no_swap(GlobalConfig& g, const IniEntry& e, Errors& errors) {
  assign(g.vrrp_no_swap, e, errors, parse_bool);
}

constexpr std::array<KeySpec<GlobalConfig>, 11> kGlobalKeys{{
    {"router_id", Repeat::kOnce, set_router_id},
    {"vrrp_version", Repeat::kOnce, set_vrrp_version},
    {"script_user", Repeat::kOnce, set_script_user},
    {"enable_script_security", Repeat::kOnce, set_script_security},
    {"notify_timeout", Repeat::kOnce, set_notify_timeout},
    {"max_running_scripts", Repeat::kOnce, set_max_running_scripts},
    {"control_socket", Repeat::kOnce, set_control_socket},
    {"control_group", Repeat::kOnce, set_control_group},
    {"pid_file", Repeat::kOnce, set_pid_file},
    {"vrrp_rt_priority", Repeat::kOnce, set_rt_priority},
    {"vrrp_no_swap", Repeat::kOnce, set_no_swap},
}};

}  // namespace

GlobalConfig build_global(const std::vector<const IniSection*>& sections,
                          const std::string& hostname, Errors& errors) {
  GlobalConfig global;
  global.router_id = hostname;
  if (!sections.empty()) global.origin.section = sections.front()->loc;
  for (const auto* s : sections) {
    apply_entries<GlobalConfig>(s->entries, kGlobalKeys, "[global]", global, global.origin, errors);
  }
  return global;
}

}  // namespace floatd::config
