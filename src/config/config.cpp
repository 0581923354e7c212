// The entry points: parse_texts() runs both passes over the texts of all files.
#include "config/config.hpp"

#include <algorithm>
#include <iterator>

#include "config/build.hpp"
#include "config/ini_reader.hpp"
#include "config/loader.hpp"
#include "config/validate.hpp"

namespace floatd::config {
namespace {

template <typename T>
const T* find_named(const std::vector<T>& list, std::string_view name) {
  auto it = std::find_if(list.begin(), list.end(), [name](const T& t) { return t.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

const ScriptConfig* Config::find_script(std::string_view name) const {
  return find_named(scripts, name);
}

const TrackFileConfig* Config::find_track_file(std::string_view name) const {
  return find_named(track_files, name);
}

const InstanceConfig* Config::find_instance(std::string_view name) const {
  return find_named(instances, name);
}

const SyncGroupConfig* Config::group_of(std::string_view instance) const {
  for (const auto& group : sync_groups) {
    for (const auto& member : group.members) {
      if (member.name == instance) return &group;
    }
  }
  return nullptr;
}

LoadResult parse_texts(const std::vector<SourceText>& files, const std::string& hostname) {
  Errors errors;
  std::vector<IniSection> sections;
  std::vector<std::string> order;
  for (const auto& file : files) {
    IniFile ini = read_ini(file.text, file.filename);
    std::move(ini.sections.begin(), ini.sections.end(), std::back_inserter(sections));
    std::move(ini.errors.begin(), ini.errors.end(), std::back_inserter(errors));
    order.push_back(file.filename);
  }
  Config config = build_config(sections, hostname, errors);
  const Errors invalid = validate(config);
  errors.insert(errors.end(), invalid.begin(), invalid.end());
  if (errors.empty()) return config;
  sort_errors(errors, order);
  return fail(std::move(errors));
}

LoadResult parse_string(std::string_view text, const std::string& filename) {
  return parse_texts({{filename, std::string(text)}}, RealFileSystem{}.hostname());
}

}  // namespace floatd::config
