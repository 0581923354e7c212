// vrrp_sync_group NAME { group { A B } notify_* } -> [sync_group NAME], and
// keepalived's rule for what its members track: without
// sync_group_tracking_weight, a tracked interface's weight becomes 0 and a
// weighted track_script or track_file is ignored.
#include <algorithm>

#include "cli/keepalived_draft.hpp"

namespace floatd::cli::keepalived {
namespace {

struct Member {
  std::string name;
  Location loc;
};

// `group { A B ... }`: every word of the block, whatever the lines.
void add_members(const Node& group, std::vector<Member>& members) {
  for (const auto& word : group.args) members.push_back({floatd_name(word), group.loc});
  for (const auto& line : group.children) {
    members.push_back({floatd_name(line.keyword), line.loc});
    for (const auto& word : line.args) members.push_back({floatd_name(word), line.loc});
  }
}

const std::vector<Reason> kReasons{
    {"track_interface", "floatd tracks per instance; track it in each member vrrp_instance"},
    {"track_script", "floatd tracks per instance; track it in each member vrrp_instance"},
    {"track_file", "floatd tracks per instance; track it in each member vrrp_instance"},
    {"track_process", "floatd has no process tracking; a vrrp_script such as pidof can"},
    {"track_bfd", "floatd has no BFD"},
    {"notify_stop", "floatd's sync group has no notify_stop"},
    {"smtp_alert", "floatd sends no e-mail; a notify command can"},
    {"notify_priority_changes", "floatctl events reports priority changes"},
};

void zero_weights(Draft& instance, const std::string& group, Notes& notes) {
  bool zeroed = false;
  for (auto& s : instance.lists["track_interface"]) {
    if (track_weight(s.value) == 0) continue;
    s.value = track_text(track_name(s.value), 0);
    zeroed = true;
  }
  if (zeroed) {
    instance.comments.push_back("keepalived tracks interfaces with weight 0 in sync group " +
                                group);
  }
  for (const char* key : {"track_script", "track_file"}) {
    std::erase_if(instance.lists[key], [&](const Setting& s) {
      if (track_weight(s.value) == 0) return false;
      notes.add(s.loc, s.keyword,
                not_carried("keepalived ignores a weighted " + std::string(key) +
                            " in a vrrp_sync_group without sync_group_tracking_weight"));
      return true;
    });
  }
}

std::vector<std::string> carried_members(const std::vector<Member>& members,
                                         const std::vector<Draft>& instances,
                                         const std::vector<std::string>& grouped, Notes& notes) {
  std::vector<std::string> names;
  for (const auto& m : members) {
    const auto named = [&m](const auto& x) { return x == m.name; };
    const bool exists = std::any_of(instances.begin(), instances.end(),
                                    [&m](const Draft& d) { return d.name == m.name; });
    if (!exists) {
      notes.add(m.loc, m.name, not_carried("no vrrp_instance of that name was carried over"));
    } else if (std::any_of(grouped.begin(), grouped.end(), named)) {
      notes.add(m.loc, m.name, not_carried("already in another vrrp_sync_group"));
    } else if (std::any_of(names.begin(), names.end(), named)) {
      notes.add(m.loc, m.name, not_carried("listed twice"));
    } else {
      names.push_back(m.name);
    }
  }
  return names;
}

}  // namespace

std::optional<Draft> import_sync_group(const Node& node, std::vector<Draft>& instances,
                                       std::vector<std::string>& grouped, Notes& notes) {
  auto name = section_name(node, notes);
  if (!name) return std::nullopt;
  Draft d{"sync_group", *name, node.loc, {}, {}, {}};
  std::vector<Member> members;
  bool tracking_weight = false;
  for (const auto& child : node.children) {
    const auto& k = child.keyword;
    if (k == "group") {
      add_members(child, members);
    } else if (k == "notify_master" || k == "notify_backup" || k == "notify_fault" ||
               k == "notify") {
      if (auto s = command_setting(child, notes, true)) d.set(k, std::move(*s), notes);
    } else if (k == "sync_group_tracking_weight" || k == "global_tracking") {
      tracking_weight = true;
    } else {
      notes.skip(child, reason_for(k, kReasons));
    }
  }
  const auto names = carried_members(members, instances, grouped, notes);
  if (names.size() < 2) {
    notes.skip(node, "floatd needs at least two carried instances in a sync group");
    return std::nullopt;
  }
  std::string group;
  for (const auto& n : names) group += (group.empty() ? "" : " ") + n;
  d.set("group", Setting{group, members.front().loc, "group"}, notes);
  grouped.insert(grouped.end(), names.begin(), names.end());
  if (tracking_weight) return d;
  for (auto& instance : instances) {
    if (std::find(names.begin(), names.end(), instance.name) != names.end()) {
      zero_weights(instance, *name, notes);
    }
  }
  return d;
}

}  // namespace floatd::cli::keepalived
