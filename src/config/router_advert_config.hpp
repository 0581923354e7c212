// RouterAdvertConfig: what a Master says in its Router Advertisements (send_ra
// = yes, RFC 5798 §6.4.3, §8.2.3, rfc-checklist L2-8). Every field is a
// radvd.conf(5) option under a snake_case name with radvd's default, so that an
// admin can carry a radvd interface block over; floatd.conf(5) lists the
// mapping. Every router of a virtual router should have the same settings (RFC
// 5798 §8.2.3: backups are configured with the owner's RA options).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "config/source_loc.hpp"
#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"

namespace floatd::config {

inline constexpr std::uint32_t kInfiniteLifetime = 0xffffffff;  // RFC 4861 §4.6.2

// `ra_prefix = PREFIX/LEN [on_link yes|no] [autonomous yes|no] [valid_lifetime
// S|infinity] [preferred_lifetime S|infinity]`: one Prefix Information option
// (RFC 4861 §4.6.2).
struct RaPrefix {
  IpPrefix prefix;
  bool on_link = true;                       // AdvOnLink
  bool autonomous = true;                    // AdvAutonomous
  std::uint32_t valid_lifetime = 86400;      // AdvValidLifetime, seconds
  std::uint32_t preferred_lifetime = 14400;  // AdvPreferredLifetime, seconds
  Origin origin;

  friend bool operator==(const RaPrefix &, const RaPrefix &) = default;
};

// RFC 4191 §2.2 Default Router Preference (AdvDefaultPreference).
enum class RouterPreference : std::uint8_t { kMedium = 0, kHigh = 1, kLow = 3 };

struct RouterAdvertConfig {
  Centiseconds max_interval{60000};          // MaxRtrAdvInterval, 4..1800 s
  std::optional<Centiseconds> min_interval;  // MinRtrAdvInterval; empty: radvd's rule
  std::optional<int> default_lifetime;       // AdvDefaultLifetime, s; empty: 3 * max
  int cur_hop_limit = 64;                    // AdvCurHopLimit
  bool managed = false;                      // AdvManagedFlag
  bool other_config = false;                 // AdvOtherConfigFlag
  std::uint32_t link_mtu = 0;                // AdvLinkMTU; 0: no MTU option
  std::uint32_t reachable_time = 0;          // AdvReachableTime, ms
  std::uint32_t retrans_timer = 0;           // AdvRetransTimer, ms
  RouterPreference preference = RouterPreference::kMedium;  // AdvDefaultPreference
  std::vector<RaPrefix> prefixes;

  // radvd's defaults (radvd.conf(5)): MinRtrAdvInterval 0.33 * Max when Max >=
  // 9 s, else 0.75 * Max; AdvDefaultLifetime 3 * MaxRtrAdvInterval (at most
  // 9000 s).
  Centiseconds effective_min_interval() const;
  int effective_default_lifetime() const;

  friend bool operator==(const RouterAdvertConfig &, const RouterAdvertConfig &) = default;
};

}  // namespace floatd::config
