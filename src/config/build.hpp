// The parse pass: the INI sections of all files -> a typed Config.
//
// Classifies each section header ([global], [instance NAME], ...), refuses unknown kinds and
// names defined twice, then builds the sections in dependency order: [global] (all of them
// merged), scripts and track files, instances (which take defaults from those), sync groups.
// Each value is checked alone here; rules across keys and sections are validate.hpp's.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/ini_reader.hpp"

namespace floatd::config {

// `hostname` is the default router_id.
Config build_config(const std::vector<IniSection>& sections, const std::string& hostname,
                    Errors& errors);

// The builders of each section kind (build_*.cpp), given the parts built before them.
GlobalConfig build_global(const std::vector<const IniSection*>& sections,
                          const std::string& hostname, Errors& errors);
ScriptConfig build_script(const IniSection& section, std::string name, const GlobalConfig& global,
                          Errors& errors);
TrackFileConfig build_track_file(const IniSection& section, std::string name, Errors& errors);
SyncGroupConfig build_sync_group(const IniSection& section, std::string name, Errors& errors);
InstanceConfig build_instance(const IniSection& section, std::string name, const Config& defs,
                              Errors& errors);

}  // namespace floatd::config
