#include "config/key_table.hpp"

#include <array>
#include <utility>

namespace floatd::config {
namespace {

// keepalived keywords that users will carry over, and what floatd calls them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kKeepalivedHints{{
    {"nopreempt", "preempt = no"},
    {"no_accept", "accept = no"},
    {"mcast_src_ip", "unicast_src_ip"},
    {"authentication", "auth_type and auth_pass"},
    {"vrrp_version", "version (in an instance) or vrrp_version (in [global])"},
    {"group", "group (in a [sync_group NAME])"},
    {"weight", "\"track_* = NAME weight N\" in an instance, or weight in [script NAME]"},
    {"router_id", "router_id in [global]"},
}};

}  // namespace

std::string unknown_key_reason(std::string_view key, std::string_view section,
                               const std::vector<std::string_view>& accepted) {
  std::string reason = "unknown key in " + std::string(section);
  for (const auto& [name, hint] : kKeepalivedHints) {
    if (name == key) reason += "; did you mean " + std::string(hint) + "?";
  }
  reason += " (accepted: ";
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    reason += (i == 0 ? "" : ", ") + std::string(accepted[i]);
  }
  return reason + ")";
}

bool note_key(const IniEntry& entry, Repeat repeat, SectionOrigin& origin, Errors& errors) {
  auto [it, inserted] = origin.keys.try_emplace(entry.key, entry.loc);
  if (inserted || repeat == Repeat::kList) return true;
  errors.push_back(entry_error(entry, "set twice; first set at " +
                                          describe_loc(it->second, entry.loc) +
                                          " (only lists such as virtual_ipaddress repeat)"));
  return false;
}

}  // namespace floatd::config
