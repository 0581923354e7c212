#include "config/source_loc.hpp"

namespace floatd::config {

std::string describe_loc(const SourceLoc& loc, const SourceLoc& here) {
  if (loc.file == here.file) return "line " + std::to_string(loc.line);
  return loc.file + ":" + std::to_string(loc.line);
}

const SourceLoc& SectionOrigin::at(std::string_view key) const {
  auto it = keys.find(key);
  return it == keys.end() ? section : it->second;
}

}  // namespace floatd::config
