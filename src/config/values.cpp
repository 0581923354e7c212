#include "config/values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "floatd/text.hpp"

namespace floatd::config {
namespace {

constexpr std::size_t kIfNameMax = 15;  // IFNAMSIZ less the NUL
constexpr std::size_t kUserMax = 32;    // useradd's limit

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Parsed<bool> parse_bool(std::string_view text) {
  const std::string t = lower(text);
  if (t == "yes" || t == "true" || t == "on" || t == "1") return true;
  if (t == "no" || t == "false" || t == "off" || t == "0") return false;
  return fail(quoted(text) + " is not a boolean (yes/no, true/false, on/off, 1/0)");
}

Parsed<Version> parse_version(std::string_view text) {
  if (text == "2") return Version::kV2;
  if (text == "3") return Version::kV3;
  return fail(quoted(text) + " is not a VRRP version (2 or 3)");
}

Parsed<int> parse_int(std::string_view text, int min, int max, std::string_view accepted) {
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  const std::string tail = " (" + std::string(accepted) + ")";
  if (!all_digits(digits)) return fail(quoted(text) + " is not a whole number" + tail);
  std::int64_t value = 0;
  if (digits.size() > 12) return fail(std::string(text) + " is out of range" + tail);
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (text.front() == '-') value = -value;
  if (value < min) return fail(std::string(text) + " is below " + std::to_string(min) + tail);
  if (value > max) return fail(std::string(text) + " is above " + std::to_string(max) + tail);
  return static_cast<int>(value);
}

Parsed<int> parse_weight(std::string_view text) {
  return parse_int(text, -253, 253, "a weight is -253..253; 0 = fault");
}

Parsed<Centiseconds> parse_seconds(std::string_view text, const SecondsRule& rule) {
  const std::string tail = " (" + rule.accepted + ")";
  const std::string shown(text);
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  const auto frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac))) {
    return fail(quoted(text) + " is not a number of seconds such as 1, 0.5 or 2.25" + tail);
  }
  if (whole.size() > 9) return fail(shown + " is above " + format_seconds(rule.max) + tail);
  // The value truncated to centiseconds, and whether digits beyond those are not zero.
  std::int64_t cs = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), cs);
  const std::string two = (std::string(frac.substr(0, 2)) + "00").substr(0, 2);
  cs = cs * 100 + std::int64_t{two[0] - '0'} * 10 + (two[1] - '0');
  const bool extra = frac.size() > 2 && frac.substr(2).find_first_not_of('0') != frac.npos;
  const Centiseconds value{cs};
  if (value < rule.min) return fail(shown + " is below " + format_seconds(rule.min) + tail);
  if (value > rule.max || (value == rule.max && extra)) {
    return fail(shown + " is above " + format_seconds(rule.max) + tail);
  }
  if (extra) return fail(shown + " has more than 2 decimals" + tail);
  if (rule.whole && cs % 100 != 0) return fail(shown + " is not a whole number of seconds" + tail);
  return value;
}

std::string format_seconds(Centiseconds cs) {
  const auto n = cs.count();
  std::string out = std::to_string(n / 100);
  const auto frac = n % 100;
  if (frac == 0) return out;
  out += '.';
  out += static_cast<char>('0' + frac / 10);
  if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
  return out;
}

std::optional<std::string> check_section_name(std::string_view name) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '.' || c == '-';
  });
  if (ok) return std::nullopt;
  return quoted(name) + " is not a valid name (letters, digits, '_', '.', '-')";
}

std::optional<std::string> check_ifname(std::string_view name) {
  if (name.empty()) return "an interface name is required";
  if (name.size() > kIfNameMax) {
    return quoted(name) + " is " + std::to_string(name.size()) +
           " characters; Linux interface names have at most 15";
  }
  const bool bad =
      name == "." || name == ".." || std::any_of(name.begin(), name.end(), [](unsigned char c) {
        return c == '/' || c == ':' || std::isspace(c) != 0 || std::iscntrl(c) != 0;
      });
  if (bad) {
    return quoted(name) + " is not a valid interface name (no '/', ':' or spaces; not . or ..)";
  }
  // The kernel takes any other bytes; floatd names interfaces in logs, status and metrics, and
  // escapes a kernel name that is not UTF-8 (net/netlink_events.hpp), so none would match.
  if (!is_clean_text(name)) return quoted(name) + " is not valid UTF-8";
  return std::nullopt;
}

std::optional<std::string> check_absolute_path(std::string_view path) {
  if (path.empty()) return "a path is required (absolute, e.g. /run/floatd/maint)";
  if (path.front() != '/') return quoted(path) + " is not an absolute path (start it with /)";
  return std::nullopt;
}

std::optional<std::string> check_command(std::string_view command) {
  const auto words = split_words(command);
  if (words.empty()) return "a command is required (an absolute path, then arguments)";
  if (words.front().front() != '/') {
    return quoted(words.front()) + " is not an absolute path; write the program's full path";
  }
  return std::nullopt;
}

std::optional<std::string> check_user(std::string_view user) {
  const bool ok = !user.empty() && user.size() <= kUserMax && user.front() != '-' &&
                  std::all_of(user.begin(), user.end(), [](unsigned char c) {
                    return std::isalnum(c) != 0 || c == '_' || c == '.' || c == '-';
                  });
  if (ok) return std::nullopt;
  return quoted(user) + " is not a user name (letters, digits, '_', '.', '-'; at most 32)";
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

}  // namespace floatd::config
