// Values of the Router Advertisement keys (router_advert_config.hpp): the
// prefix line, a lifetime that may be "infinity", the router preference, and
// their printed forms.
#pragma once

#include <string>
#include <string_view>

#include "config/router_advert_config.hpp"
#include "config/values.hpp"

namespace floatd::config {

// "PREFIX/LEN [on_link yes|no] [autonomous yes|no] [valid_lifetime S|infinity]
//  [preferred_lifetime S|infinity]"
Parsed<RaPrefix> parse_ra_prefix(std::string_view text);
// 0..4294967294 seconds, or "infinity" (0xffffffff, RFC 4861 §4.6.2).
Parsed<std::uint32_t> parse_lifetime(std::string_view text);
Parsed<RouterPreference> parse_preference(std::string_view text);  // low, medium, high
// 0..max as an unsigned 32-bit field (AdvLinkMTU, AdvReachableTime,
// AdvRetransTimer).
Parsed<std::uint32_t> parse_u32(std::string_view text, std::uint32_t max,
                                std::string_view accepted);

std::string lifetime_text(std::uint32_t seconds);
std::string preference_text(RouterPreference p);
std::string ra_prefix_text(const RaPrefix &p);

}  // namespace floatd::config
