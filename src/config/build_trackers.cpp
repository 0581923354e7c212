// The sections that instances refer to: [script NAME], [track_file NAME], [sync_group NAME].
#include <array>

#include "config/build.hpp"
#include "config/key_table.hpp"
#include "config/values.hpp"

namespace floatd::config {
namespace {

const SecondsRule kScriptTimes{Centiseconds{10}, Centiseconds{360000}, false,
                               "0.1..3600 seconds in steps of 0.01"};

void set_command(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  if (auto bad = check_command(e.value)) return errors.push_back(entry_error(e, *bad));
  s.command = e.value;
}

void set_interval(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.interval, e, errors, [](auto v) { return parse_seconds(v, kScriptTimes); });
}

void set_timeout(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.timeout, e, errors, [](auto v) { return parse_seconds(v, kScriptTimes); });
}

void set_fall(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.fall, e, errors, [](auto v) { return parse_int(v, 1, 255, "1..255 failures"); });
}

void set_rise(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.rise, e, errors, [](auto v) { return parse_int(v, 1, 255, "1..255 successes"); });
}

void set_script_weight(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.weight, e, errors, parse_weight);
}

void set_user(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  if (auto bad = check_user(e.value)) return errors.push_back(entry_error(e, *bad));
  s.user = e.value;
}

void set_init_fail(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.init_fail, e, errors, parse_bool);
}

void set_recover(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  if (auto bad = check_command(e.value)) return errors.push_back(entry_error(e, *bad));
  s.recover = e.value;
}

void set_recover_attempts(ScriptConfig& s, const IniEntry& e, Errors& errors) {
  assign(s.recover_attempts, e, errors,
         [](auto v) { return parse_int(v, 1, 10, "1..10 rounds of recover then check"); });
}

constexpr std::array<KeySpec<ScriptConfig>, 10> kScriptKeys{{
    {"script", Repeat::kOnce, set_command},
    {"interval", Repeat::kOnce, set_interval},
    {"timeout", Repeat::kOnce, set_timeout},
    {"fall", Repeat::kOnce, set_fall},
    {"rise", Repeat::kOnce, set_rise},
    {"weight", Repeat::kOnce, set_script_weight},
    {"user", Repeat::kOnce, set_user},
    {"init_fail", Repeat::kOnce, set_init_fail},
    {"recover", Repeat::kOnce, set_recover},
    {"recover_attempts", Repeat::kOnce, set_recover_attempts},
}};

void set_file(TrackFileConfig& t, const IniEntry& e, Errors& errors) {
  if (auto bad = check_absolute_path(e.value)) return errors.push_back(entry_error(e, *bad));
  t.file = e.value;
}

void set_file_weight(TrackFileConfig& t, const IniEntry& e, Errors& errors) {
  assign(t.weight, e, errors, parse_weight);
}

constexpr std::array<KeySpec<TrackFileConfig>, 2> kTrackFileKeys{{
    {"file", Repeat::kOnce, set_file},
    {"weight", Repeat::kOnce, set_file_weight},
}};

struct SyncGroupBuild {
  SyncGroupConfig& out;
  std::size_t written = 0;  // names written, valid or not
};

void add_members(SyncGroupBuild& b, const IniEntry& e, Errors& errors) {
  const auto words = split_words(e.value);
  b.written += words.size();
  for (auto word : words) {
    if (auto bad = check_section_name(word)) {
      errors.push_back(entry_error(e, *bad + " (group = NAME NAME ...)"));
    } else {
      b.out.members.push_back({std::string(word), {e.loc}});
    }
  }
}

// keepalived's vrrp_sync_group has no notify_stop, and neither has a sync group here.
template <std::string NotifyConfig::*Field>
void set_group_notify(SyncGroupBuild& b, const IniEntry& e, Errors& errors) {
  if (auto bad = check_command(e.value)) return errors.push_back(entry_error(e, *bad));
  b.out.notify.*Field = e.value;
}

constexpr std::array<KeySpec<SyncGroupBuild>, 5> kSyncGroupKeys{{
    {"group", Repeat::kList, add_members},
    {"notify_master", Repeat::kOnce, set_group_notify<&NotifyConfig::master>},
    {"notify_backup", Repeat::kOnce, set_group_notify<&NotifyConfig::backup>},
    {"notify_fault", Repeat::kOnce, set_group_notify<&NotifyConfig::fault>},
    {"notify", Repeat::kOnce, set_group_notify<&NotifyConfig::any>},
}};

}  // namespace

ScriptConfig build_script(const IniSection& section, std::string name, const GlobalConfig& global,
                          Errors& errors) {
  ScriptConfig s;
  s.name = std::move(name);
  s.origin.section = section.loc;
  apply_entries<ScriptConfig>(section.entries, kScriptKeys, section.display(), s, s.origin, errors);
  if (!s.origin.has("timeout")) s.timeout = s.interval;
  if (!s.origin.has("user")) s.user = global.script_user;
  return s;
}

TrackFileConfig build_track_file(const IniSection& section, std::string name, Errors& errors) {
  TrackFileConfig t;
  t.name = std::move(name);
  t.origin.section = section.loc;
  apply_entries<TrackFileConfig>(section.entries, kTrackFileKeys, section.display(), t, t.origin,
                                 errors);
  return t;
}

SyncGroupConfig build_sync_group(const IniSection& section, std::string name, Errors& errors) {
  SyncGroupConfig g;
  g.name = std::move(name);
  g.origin.section = section.loc;
  SyncGroupBuild build{g};
  apply_entries<SyncGroupBuild>(section.entries, kSyncGroupKeys, section.display(), build, g.origin,
                                errors);
  if (build.written < 2) {
    errors.push_back({section.loc, section.display(),
                      "a sync group needs at least two instances (group = NAME NAME ...)"});
  }
  return g;
}

}  // namespace floatd::config
