#include "config/build.hpp"

#include <map>
#include <optional>
#include <utility>

#include "config/values.hpp"

namespace floatd::config {
namespace {

enum class Kind { kGlobal, kScript, kTrackFile, kInstance, kSyncGroup };

struct KindName {
  Kind kind;
  std::string_view word;
  std::string_view keepalived;  // keepalived's name for it, for a hint
};

constexpr KindName kKinds[] = {
    {Kind::kGlobal, "global", "global_defs"},
    {Kind::kScript, "script", "vrrp_script"},
    {Kind::kTrackFile, "track_file", "vrrp_track_file"},
    {Kind::kInstance, "instance", "vrrp_instance"},
    {Kind::kSyncGroup, "sync_group", "vrrp_sync_group"},
};

constexpr std::string_view kAcceptedSections =
    "accepted: [global], [instance NAME], [script NAME], [track_file NAME], [sync_group NAME]";

struct Classified {
  Kind kind;
  std::string name;
  const IniSection* section;
};

std::string unknown_kind_reason(std::string_view word) {
  std::string reason = "unknown section \"" + std::string(word) + "\"";
  for (const auto& k : kKinds) {
    if (k.keepalived != word) continue;
    const std::string form = k.kind == Kind::kGlobal ? "]" : " NAME]";
    reason += "; keepalived's " + std::string(word) + " is [" + std::string(k.word) + form;
  }
  return reason + " (" + std::string(kAcceptedSections) + ")";
}

// The kind and name of a section, or nullopt after recording why the header is refused.
std::optional<Classified> classify(const IniSection& section, Errors& errors) {
  const auto words = split_words(section.header);
  auto refuse = [&](std::string reason) {
    errors.push_back({section.loc, section.display(), std::move(reason)});
    return std::nullopt;
  };
  if (words.empty()) return refuse("empty section header (" + std::string(kAcceptedSections) + ")");
  const KindName* kind = nullptr;
  for (const auto& k : kKinds) {
    if (k.word == words[0]) kind = &k;
  }
  if (kind == nullptr) return refuse(unknown_kind_reason(words[0]));
  if (kind->kind == Kind::kGlobal) {
    if (words.size() != 1) return refuse("[global] takes no name");
    return Classified{Kind::kGlobal, {}, &section};
  }
  const std::string form = "[" + std::string(kind->word) + " NAME]";
  if (words.size() != 2) return refuse("expected " + form + " with one name");
  if (auto bad = check_section_name(words[1])) return refuse(*bad + " in " + form);
  return Classified{kind->kind, std::string(words[1]), &section};
}

// Drops sections whose kind and name were already defined, naming the first place.
std::vector<Classified> drop_duplicates(std::vector<Classified> all, Errors& errors) {
  std::map<std::pair<Kind, std::string>, SourceLoc> seen;
  std::vector<Classified> kept;
  for (auto& c : all) {
    if (c.kind != Kind::kGlobal) {
      const auto& loc = c.section->loc;
      auto [it, inserted] = seen.try_emplace({c.kind, c.name}, loc);
      if (!inserted) {
        errors.push_back({loc, c.section->display(),
                          "already defined at " + describe_loc(it->second, loc) +
                              "; each name is defined once"});
        continue;
      }
    }
    kept.push_back(std::move(c));
  }
  return kept;
}

std::vector<const Classified*> of_kind(const std::vector<Classified>& all, Kind kind) {
  std::vector<const Classified*> out;
  for (const auto& c : all) {
    if (c.kind == kind) out.push_back(&c);
  }
  return out;
}

}  // namespace

Config build_config(const std::vector<IniSection>& sections, const std::string& hostname,
                    Errors& errors) {
  std::vector<Classified> classified;
  for (const auto& s : sections) {
    if (auto c = classify(s, errors)) classified.push_back(std::move(*c));
  }
  classified = drop_duplicates(std::move(classified), errors);

  Config config;
  std::vector<const IniSection*> globals;
  for (const auto* c : of_kind(classified, Kind::kGlobal)) globals.push_back(c->section);
  config.global = build_global(globals, hostname, errors);
  for (const auto* c : of_kind(classified, Kind::kScript)) {
    config.scripts.push_back(build_script(*c->section, c->name, config.global, errors));
  }
  for (const auto* c : of_kind(classified, Kind::kTrackFile)) {
    config.track_files.push_back(build_track_file(*c->section, c->name, errors));
  }
  for (const auto* c : of_kind(classified, Kind::kInstance)) {
    config.instances.push_back(build_instance(*c->section, c->name, config, errors));
  }
  for (const auto* c : of_kind(classified, Kind::kSyncGroup)) {
    config.sync_groups.push_back(build_sync_group(*c->section, c->name, errors));
  }
  return config;
}

}  // namespace floatd::config
