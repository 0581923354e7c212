#include "config/router_advert_values.hpp"

#include <charconv>

namespace floatd::config {

Parsed<std::uint32_t> parse_u32(std::string_view text, std::uint32_t max,
                                std::string_view accepted) {
  std::uint32_t v = 0;
  const auto *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || v > max) {
    return fail("\"" + std::string(text) + "\" is not " + std::string(accepted));
  }
  return v;
}

Parsed<std::uint32_t> parse_lifetime(std::string_view text) {
  if (text == "infinity") return kInfiniteLifetime;
  return parse_u32(text, kInfiniteLifetime - 1, "a lifetime (0..4294967294 seconds or infinity)");
}

Parsed<RouterPreference> parse_preference(std::string_view text) {
  if (text == "low") return RouterPreference::kLow;
  if (text == "medium") return RouterPreference::kMedium;
  if (text == "high") return RouterPreference::kHigh;
  return fail("\"" + std::string(text) + "\" is not a router preference (low, medium or high)");
}

Parsed<RaPrefix> parse_ra_prefix(std::string_view text) {
  static const std::string kForm =
      " (PREFIX/LEN [on_link yes|no] [autonomous "
      "yes|no] [valid_lifetime S|infinity] "
      "[preferred_lifetime S|infinity])";
  const auto words = split_words(text);
  if (words.empty()) return fail("no prefix" + kForm);
  auto prefix = IpPrefix::parse(words[0]);
  if (!prefix || !prefix->address.is_v6() || words[0].find('/') == std::string_view::npos) {
    return fail("\"" + std::string(words[0]) + "\" is not an IPv6 prefix with its length" + kForm);
  }
  if (prefix->address.is_link_local() || prefix->address.is_multicast()) {
    return fail(prefix->to_string() + " is link-local or multicast; hosts take no prefix from it" +
                kForm);
  }
  RaPrefix out{*prefix, true, true, 86400, 14400, {}};
  for (std::size_t i = 1; i < words.size(); i += 2) {
    const std::string option(words[i]);
    if (i + 1 >= words.size()) return fail("\"" + option + "\" needs a value" + kForm);
    const auto value = words[i + 1];
    if (option == "on_link" || option == "autonomous") {
      auto flag = parse_bool(value);
      if (!flag) return fail(option + ": " + flag.error() + kForm);
      (option == "on_link" ? out.on_link : out.autonomous) = *flag;
    } else if (option == "valid_lifetime" || option == "preferred_lifetime") {
      auto life = parse_lifetime(value);
      if (!life) return fail(option + ": " + life.error() + kForm);
      (option == "valid_lifetime" ? out.valid_lifetime : out.preferred_lifetime) = *life;
    } else {
      return fail("unknown option \"" + option + "\"" + kForm);
    }
  }
  // RFC 4862 §5.5.3 c): a host ignores a prefix whose preferred lifetime
  // exceeds its valid one.
  if (out.preferred_lifetime > out.valid_lifetime) {
    return fail("preferred_lifetime " + lifetime_text(out.preferred_lifetime) +
                " is longer than valid_lifetime " + lifetime_text(out.valid_lifetime) +
                " (hosts ignore such a prefix, RFC 4862 5.5.3)");
  }
  return out;
}

std::string lifetime_text(std::uint32_t seconds) {
  return seconds == kInfiniteLifetime ? "infinity" : std::to_string(seconds);
}

std::string preference_text(RouterPreference p) {
  switch (p) {
    case RouterPreference::kLow:
      return "low";
    case RouterPreference::kHigh:
      return "high";
    case RouterPreference::kMedium:
      break;
  }
  return "medium";
}

std::string ra_prefix_text(const RaPrefix &p) {
  return p.prefix.to_string() + " on_link " + (p.on_link ? "yes" : "no") + " autonomous " +
         (p.autonomous ? "yes" : "no") + " valid_lifetime " + lifetime_text(p.valid_lifetime) +
         " preferred_lifetime " + lifetime_text(p.preferred_lifetime);
}

}  // namespace floatd::config
