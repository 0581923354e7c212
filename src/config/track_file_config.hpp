// TrackFileConfig: a [track_file NAME] section. The file holds a number; the tracking
// instances' priority moves by number * weight, or, with weight 0, any non-zero number
// faults them (keepalived's track_file).
#pragma once

#include <string>

#include "config/source_loc.hpp"

namespace floatd::config {

struct TrackFileConfig {
  std::string name;
  std::string file;  // absolute path
  int weight = 1;    // -253..253, keepalived's default 1
  SectionOrigin origin;

  friend bool operator==(const TrackFileConfig&, const TrackFileConfig&) = default;
};

}  // namespace floatd::config
