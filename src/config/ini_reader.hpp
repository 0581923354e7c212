// The INI layer: one file's text -> its sections and key = value entries with line numbers.
//
// inih does the splitting (ini_parse_stream) through our own reader callback, which feeds it
// normalised lines (line_normaliser.hpp) and counts them, so each entry knows its line.
// Nothing here knows floatd's schema: that is the parse pass (build.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/source_loc.hpp"

namespace floatd::config {

struct IniEntry {
  std::string key;
  std::string value;  // may be empty
  SourceLoc loc;
};

struct IniSection {
  std::string header;  // the words inside the brackets, one space apart: "instance web"
  SourceLoc loc;
  std::vector<IniEntry> entries;

  std::string display() const { return "[" + header + "]"; }
};

struct IniFile {
  std::vector<IniSection> sections;
  Errors errors;  // syntax errors, keys outside any section
};

IniFile read_ini(std::string_view text, const std::string& filename);

}  // namespace floatd::config
