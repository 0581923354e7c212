#include "cli/keepalived_draft.hpp"

#include <algorithm>
#include <cctype>

#include "config/values.hpp"

namespace floatd::cli::keepalived {

void Draft::set(const std::string& key, Setting setting, Notes& notes) {
  auto [it, inserted] = once.try_emplace(key, setting);
  if (inserted) return;
  notes.add(it->second.loc, it->second.keyword,
            not_carried("set again at line " + std::to_string(setting.loc.line) +
                        "; keepalived uses the last"));
  it->second = std::move(setting);
}

const Setting* Draft::get(const std::string& key) const {
  const auto it = once.find(key);
  return it == once.end() ? nullptr : &it->second;
}

std::optional<Setting> Draft::take(const std::string& key) {
  const auto it = once.find(key);
  if (it == once.end()) return std::nullopt;
  Setting s = std::move(it->second);
  once.erase(it);
  return s;
}

std::optional<Centiseconds> parse_keepalived_seconds(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  const auto frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  if (whole.empty() || whole.size() > 9 || !digits(whole) || !digits(frac)) return std::nullopt;
  std::int64_t ms = std::stoll(std::string(whole)) * 1000;
  const std::string three = (std::string(frac.substr(0, 3)) + "000").substr(0, 3);
  ms += std::stoll(three);
  return Centiseconds{(ms + 5) / 10};
}

Result<std::string> seconds_value(std::string_view text, Centiseconds min, Centiseconds max) {
  const auto cs = parse_keepalived_seconds(text);
  const std::string range =
      config::format_seconds(min) + ".." + config::format_seconds(max) + " seconds";
  if (!cs) return fail("\"" + std::string(text) + "\" is not a number of seconds");
  if (*cs < min || *cs > max) return fail(std::string(text) + " is outside " + range);
  return config::format_seconds(*cs);
}

std::string floatd_name(std::string_view name) {
  std::string out(name);
  for (auto& c : out) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

std::optional<std::string> section_name(const Node& node, Notes& notes) {
  if (node.args.empty()) {
    notes.skip(node, "it has no name");
    return std::nullopt;
  }
  const std::string name = floatd_name(node.args[0]);
  if (name != node.args[0]) {
    notes.add(node.loc, node.keyword,
              "\"" + node.args[0] + "\" written as " + name +
                  " (floatd names are letters, digits, _, . and -)");
  }
  return name;
}

std::optional<std::string> one_arg(const Node& node, Notes& notes) {
  if (node.args.empty()) {
    notes.skip(node, "it has no value");
    return std::nullopt;
  }
  if (node.args.size() > 1) {
    std::string extra;
    for (std::size_t i = 1; i < node.args.size(); ++i) extra += " " + node.args[i];
    notes.add(node.loc, node.keyword,
              "\"" + extra.substr(1) + "\" " + not_carried("keepalived reads one value here"));
  }
  return node.args[0];
}

std::optional<std::string> bool_value(const Node& node) {
  if (node.args.empty()) return "yes";
  auto parsed = config::parse_bool(node.args[0]);
  if (!parsed) return std::nullopt;
  return *parsed ? "yes" : "no";
}

std::optional<Setting> command_setting(const Node& node, Notes& notes, bool user_allowed) {
  if (node.args.empty()) {
    notes.skip(node, "it has no command");
    return std::nullopt;
  }
  const std::string& command = node.args[0];
  if (auto bad = config::check_command(command)) {
    notes.skip(node, *bad);
    return std::nullopt;
  }
  if (node.args.size() > 1) {
    std::string rest;
    for (std::size_t i = 1; i < node.args.size(); ++i) rest += " " + node.args[i];
    const std::string why = user_allowed
                                ? "floatd runs notify commands as [global] script_user"
                                : "keepalived takes the first word or quoted string as the command";
    notes.add(node.loc, node.keyword,
              (user_allowed ? "user" : "words") + std::string(" \"") + rest.substr(1) + "\" " +
                  not_carried(why));
  }
  return Setting{command, node.loc, node.keyword};
}

std::string track_text(const std::string& name, int weight) {
  return name + " weight " + std::to_string(weight);
}

int track_weight(const std::string& text) {
  const auto words = config::split_words(text);
  if (words.size() != 3) return 0;
  auto w = config::parse_weight(words[2]);
  return w ? *w : 0;
}

std::string track_name(const std::string& text) {
  const auto words = config::split_words(text);
  return words.empty() ? std::string() : std::string(words[0]);
}

std::string reason_for(std::string_view keyword, const std::vector<Reason>& table) {
  for (const auto& r : table) {
    const bool prefix = r.prefix.ends_with('_') && keyword.starts_with(r.prefix);
    if (keyword == r.prefix || prefix) return std::string(r.reason);
  }
  return "floatd has no equivalent";
}

}  // namespace floatd::cli::keepalived
