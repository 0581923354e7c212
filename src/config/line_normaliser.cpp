#include "config/line_normaliser.hpp"

#include <algorithm>

namespace floatd::config {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::size_t kMaxKey = 49;  // inih's MAX_NAME less its NUL

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Cuts an inline comment: '#' or ';' after whitespace, or as the first thing after the key's
// '=' ("key =#x" has an empty value: the printer could not write "#x" back otherwise).
std::string_view strip_comment(std::string_view s) {
  const std::size_t eq = s.find('=');
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '#' && s[i] != ';') continue;
    if (is_space(s[i - 1])) return s.substr(0, i);
    if (eq != std::string_view::npos && i > eq &&
        s.substr(eq + 1, i - eq - 1).find_first_not_of(" \t") == std::string_view::npos) {
      return s.substr(0, i);
    }
  }
  return s;
}

NormalisedLine error(std::string key, std::string reason) {
  return {NormalisedLine::Kind::kError, {}, {}, std::move(key), std::move(reason)};
}

NormalisedLine bad_section(std::string_view line, std::string reason) {
  return {NormalisedLine::Kind::kBadSection, {}, {}, std::string(line), std::move(reason)};
}

std::string join_words(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out += (out.empty() ? "" : " ") + std::string(s.substr(i, j - i));
    i = j;
  }
  return out;
}

NormalisedLine section_line(std::string_view line) {
  const auto close = line.find(']');
  if (close == std::string_view::npos) {
    return bad_section(line, "section header lacks its closing ']' (write [KIND NAME])");
  }
  if (close != line.size() - 1) {
    return bad_section(line, "text after ']' in section header (write [KIND NAME])");
  }
  const auto inner = line.substr(1, close - 1);
  if (inner.find('[') != std::string_view::npos) {
    return bad_section(line, "stray bracket in section header (write [KIND NAME])");
  }
  const std::string words = join_words(inner);
  return {NormalisedLine::Kind::kSection, "[" + words + "]", words, {}, {}};
}

NormalisedLine key_value_line(std::string_view line) {
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    const auto space = std::min(line.find_first_of(" \t"), line.size());
    const auto word = line.substr(0, space);
    const auto rest = trim(line.substr(space));
    std::string reason = "missing '='; a line is [section], key = value or a # comment";
    if (!rest.empty()) {
      reason = "missing '=' (write \"" + std::string(word) + " = " + std::string(rest) +
               "\"; a line is [section], key = value or a # comment)";
    }
    return error(std::string(word), std::move(reason));
  }
  const auto key = trim(line.substr(0, eq));
  if (key.empty()) return error("syntax", "missing key before '=' (write key = value)");
  if (key.find(':') != std::string_view::npos) {
    return error(std::string(key), "':' cannot be part of a key (write key = value)");
  }
  if (key.size() > kMaxKey) {
    return error(std::string(key.substr(0, 20)) + "...",
                 "key longer than " + std::to_string(kMaxKey) + " characters; no key is");
  }
  return {NormalisedLine::Kind::kKeyValue, std::string(line), {}, {}, {}};
}

}  // namespace

NormalisedLine normalise_line(std::string_view raw, std::size_t max_len, bool first_line) {
  if (first_line && raw.substr(0, kBom.size()) == kBom) raw.remove_prefix(kBom.size());
  if (raw.find('\0') != std::string_view::npos) {
    return error("syntax", "line contains a NUL byte; a config file is text");
  }
  std::string_view line = trim(raw);
  if (line.empty() || line.front() == '#' || line.front() == ';') return {};
  line = trim(strip_comment(line));
  NormalisedLine out = line.front() == '[' ? section_line(line) : key_value_line(line);
  if (out.text.size() > max_len) {
    std::string reason = "line is " + std::to_string(out.text.size()) +
                         " characters long without comments; at most " + std::to_string(max_len) +
                         " are accepted";
    if (out.kind == NormalisedLine::Kind::kSection) return bad_section(out.text, reason);
    return error(std::string(trim(line.substr(0, line.find('=')))), std::move(reason));
  }
  return out;
}

}  // namespace floatd::config
