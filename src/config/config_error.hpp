// ConfigError: one thing wrong with the configuration, as "FILE:LINE: key: reason".
//
// The key is the config key at fault, or a section header such as "[instance web]" for an
// error about the section as a whole; it is empty only for an error about a whole file
// (which cannot be read), printed then as "FILE:0: reason". Every reason says what would
// have been accepted. Loading never stops at the first error: all of them are collected.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config/source_loc.hpp"

namespace floatd::config {

struct ConfigError {
  SourceLoc loc;
  std::string key;
  std::string reason;

  static constexpr std::size_t kMaxErrorBytes = 1024;
  // The printed line: valid UTF-8 without control bytes (floatd/text.hpp), at most
  // kMaxErrorBytes.
  std::string to_string() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

using Errors = std::vector<ConfigError>;

// Orders errors by file (in the given load order; unknown files last) then line, keeping
// the order of errors on the same line.
void sort_errors(Errors& errors, const std::vector<std::string>& file_order);

}  // namespace floatd::config
