// Line normalisation in front of inih: each raw line becomes what inih may safely see.
//
// Debian's inih reports no line numbers, treats indented lines as continuations, knows only
// ';' inline comments and stops at its first syntax error. So every line is normalised
// before inih reads it: leading whitespace and inline comments (whitespace then '#' or ';')
// go, and a line that is neither a [section], a key = value, blank nor a comment becomes a
// blank line plus an error of ours, so that every syntax error is reported with its line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace floatd::config {

struct NormalisedLine {
  enum class Kind { kBlank, kSection, kKeyValue, kError, kBadSection };

  Kind kind = Kind::kBlank;
  std::string text;     // kSection, kKeyValue: the line for inih (no newline)
  std::string section;  // kSection: the words inside the brackets, one space apart
  std::string key;     // kError, kBadSection: what to name in the error (a key, header or "syntax")
  std::string reason;  // kError, kBadSection: what is wrong and what is accepted
};

// `max_len`: the longest normalised line inih takes (its buffer less newline and NUL).
// `first_line` strips a UTF-8 byte order mark.
NormalisedLine normalise_line(std::string_view raw, std::size_t max_len, bool first_line);

}  // namespace floatd::config
