// Value parsers for the config: each takes one value's text and returns the typed value or
// the reason it is refused, which always says what would have been accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"

namespace floatd::config {

template <typename T>
using Parsed = Result<T, std::string>;

// yes/no, true/false, on/off, 1/0 in any case.
Parsed<bool> parse_bool(std::string_view text);

// "2" or "3".
Parsed<Version> parse_version(std::string_view text);

// A whole number, optionally signed, in [min, max]. `accepted` ends each reason, e.g.
// "1..255; 255 = address owner".
Parsed<int> parse_int(std::string_view text, int min, int max, std::string_view accepted);

// A weight: -253..253, written "-50", "+50" or "50".
Parsed<int> parse_weight(std::string_view text);

// Seconds written with up to two decimals ("1", "0.1", "2.55") in [min, max]; `whole`
// refuses fractions. `accepted` ends each reason ("VRRPv3 takes 0.01..40.95 in steps of 0.01").
struct SecondsRule {
  Centiseconds min;
  Centiseconds max;
  bool whole = false;
  std::string accepted;
};
Parsed<Centiseconds> parse_seconds(std::string_view text, const SecondsRule& rule);

// The file form of a duration: "1", "0.1", "2.55", "40.95".
std::string format_seconds(Centiseconds cs);

// Checks returning the reason a text is refused, or nullopt when it is fine.
std::optional<std::string> check_section_name(std::string_view name);  // [A-Za-z0-9_.-]+
std::optional<std::string> check_ifname(std::string_view name);        // Linux: <= 15, no '/'
std::optional<std::string> check_absolute_path(std::string_view path);
std::optional<std::string> check_command(std::string_view command);  // absolute program
std::optional<std::string> check_user(std::string_view user);

// Splits on spaces and tabs.
std::vector<std::string_view> split_words(std::string_view text);

}  // namespace floatd::config
