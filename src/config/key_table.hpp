// Key tables: a section kind's keys, whether each may repeat, and what each one sets.
//
// apply_entries() walks one section's entries in file order: an unknown key is an error,
// a scalar key set twice is an error naming the first line, and every other entry goes to
// its key's apply function, which parses the value into the target or records an error.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/ini_reader.hpp"
#include "config/source_loc.hpp"

namespace floatd::config {

enum class Repeat { kOnce, kList };

template <typename Target>
struct KeySpec {
  std::string_view key;
  Repeat repeat;
  void (*apply)(Target& target, const IniEntry& entry, Errors& errors);
};

// The reason for an unknown key: the keys that are accepted, and a hint for keepalived names.
std::string unknown_key_reason(std::string_view key, std::string_view section,
                               const std::vector<std::string_view>& accepted);

// Records `entry` in `origin`; returns false (after recording the error) when `entry` sets
// a scalar key that is already set.
bool note_key(const IniEntry& entry, Repeat repeat, SectionOrigin& origin, Errors& errors);

// An error about `entry`'s key at its line.
inline ConfigError entry_error(const IniEntry& entry, std::string reason) {
  return {entry.loc, entry.key, std::move(reason)};
}

template <typename Target>
void apply_entries(std::span<const IniEntry> entries, std::span<const KeySpec<Target>> specs,
                   std::string_view section, Target& target, SectionOrigin& origin,
                   Errors& errors) {
  for (const auto& entry : entries) {
    const KeySpec<Target>* spec = nullptr;
    for (const auto& s : specs) {
      if (s.key == entry.key) spec = &s;
    }
    if (spec == nullptr) {
      std::vector<std::string_view> accepted;
      for (const auto& s : specs) accepted.push_back(s.key);
      errors.push_back(entry_error(entry, unknown_key_reason(entry.key, section, accepted)));
    } else if (note_key(entry, spec->repeat, origin, errors)) {
      spec->apply(target, entry, errors);
    }
  }
}

// Parses `entry.value` with `parse` (returning Parsed<T>) into `field`, or records the error.
template <typename Field, typename Parse>
void assign(Field& field, const IniEntry& entry, Errors& errors, Parse&& parse) {
  auto parsed = parse(entry.value);
  if (parsed.ok()) {
    field = static_cast<Field>(*parsed);
  } else {
    errors.push_back(entry_error(entry, parsed.error()));
  }
}

}  // namespace floatd::config
