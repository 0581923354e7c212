// The floatd configuration: a typed Config read from INI files, validated, printable.
//
// load() reads the main file, then every conf.d/*.conf next to it in name order. Reading is
// two passes over all files: the parse pass (syntax, known sections and keys, each value
// alone) and the validation pass (rules across keys and sections: families, VRID clashes,
// references). Both collect every error instead of stopping at the first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/global_config.hpp"
#include "config/instance_config.hpp"
#include "config/script_config.hpp"
#include "config/sync_group_config.hpp"
#include "config/track_file_config.hpp"
#include "floatd/result.hpp"

namespace floatd::config {

struct Config {
  GlobalConfig global;
  std::vector<ScriptConfig> scripts;  // in order of appearance
  std::vector<TrackFileConfig> track_files;
  std::vector<InstanceConfig> instances;
  std::vector<SyncGroupConfig> sync_groups;

  const ScriptConfig* find_script(std::string_view name) const;
  const TrackFileConfig* find_track_file(std::string_view name) const;
  const InstanceConfig* find_instance(std::string_view name) const;
  // The sync group `instance` is a member of, or nullptr.
  const SyncGroupConfig* group_of(std::string_view instance) const;

  // Equal when they configure the same thing; source locations are ignored.
  friend bool operator==(const Config&, const Config&) = default;
};

using LoadResult = Result<Config, std::vector<ConfigError>>;

// Reads `path` and then `<dir of path>/conf.d/*.conf`. A main file that cannot be read is
// an error at line 0; a missing conf.d directory is fine. See also loader.hpp.
LoadResult load(const std::string& path);

// Parses and validates one text as if it were the file `filename` (no conf.d).
LoadResult parse_string(std::string_view text, const std::string& filename);

// The canonical form: every section with every default filled in, parseable again to an
// equal Config. Sections in the order global, scripts, track files, instances, sync groups.
std::string print(const Config& config);

}  // namespace floatd::config
