// The secret behind `heartbeat_key = FILE` (issue 11): the key that seals adverts on heartbeat
// paths (vrrp/heartbeat_seal.hpp). Both nodes read the same bytes from their own copy of FILE.
//
// The file must be a regular file (not a symbolic link, which is refused rather than followed),
// owned by root or by the user floatd runs as, with no permission for group or others (0600 or
// 0400). The key is the file's bytes with one trailing newline ("\n" or "\r\n") stripped, so
// `head -c 32 /dev/urandom | base64 > FILE` makes a good one; 16 to 4096 bytes. The checks are
// made on the opened descriptor, so a file swapped between check and read cannot slip through.
#pragma once

#include <cstddef>
#include <string>

#include "floatd/result.hpp"

namespace floatd::daemon {

inline constexpr std::size_t kMinHeartbeatKeyBytes = 16;
inline constexpr std::size_t kMaxHeartbeatKeyBytes = 4096;

// The key, or a reason that starts with `path` and never quotes the file's contents
// ("/etc/floatd/hb.key: mode 0644 gives group or others access; chmod 600 /etc/floatd/hb.key").
// The caller prefixes the config location.
Result<std::string> read_heartbeat_key(const std::string& path);

}  // namespace floatd::daemon
