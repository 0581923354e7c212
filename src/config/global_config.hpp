// GlobalConfig: the [global] section, daemon-wide settings and defaults for the sections.
//
// [global] may be written more than once, even across files: the keys merge, and a key set
// twice is an error like in any other section.
#pragma once

#include <string>

#include "config/source_loc.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"

namespace floatd::config {

inline constexpr std::string_view kDefaultControlSocket = "/run/floatd/floatd.sock";
inline constexpr std::string_view kDefaultPidFile = "/run/floatd/floatd.pid";
inline constexpr int kDefaultMaxRunningScripts = 32;

struct GlobalConfig {
  std::string router_id;                        // default: the host name
  Version vrrp_version = Version::kV3;          // default `version` of instances
  std::string script_user;  // default `user` of scripts; "": floatd-script if it exists, else root
  bool enable_script_security = false;          // refuse scripts writable by non-root
  Centiseconds notify_timeout{3000};            // a notify command is killed after this
  int max_running_scripts = kDefaultMaxRunningScripts;  // more wait, in order, for a slot
  std::string control_socket{kDefaultControlSocket};
  std::string control_group;                   // empty: the socket is root-only (0600)
  std::string pid_file{kDefaultPidFile};
  int vrrp_rt_priority = 0;                     // SCHED_RR priority 1..99; 0: not real-time
  bool vrrp_no_swap = false;                    // mlockall(): never page floatd out
  SectionOrigin origin;  // the first [global] header; no location when none was written

  friend bool operator==(const GlobalConfig&, const GlobalConfig&) = default;
};

}  // namespace floatd::config
