// Script security (keepalived's enable_script_security): floatd runs scripts as root by
// default, so a script that a non-root user can change is a root shell for that user.
//
// check_script_security() refuses a program when the file, or any directory above it, is owned
// by a non-root user, group-writable with a non-root group, or world-writable. Like keepalived,
// a root-owned directory with the sticky bit (/tmp) passes: others can add files there but not
// replace root's. Symlinks are followed: the directories holding each link and everything on the
// way to the target are checked. The program must exist and be executable. A command run
// through /bin/sh is checked by /bin/sh and by its first word (which must therefore name a
// program, not a shell builtin): what the shell runs after that is the script's business.
#pragma once

#include "floatd/result.hpp"
#include "track/command.hpp"

namespace floatd::track {

// Error: a readable reason naming the offending path, e.g.
// "/etc/floatd/check.sh: /etc/floatd is writable by group 1000 (admins)".
Result<Ok> check_script_security(const Command& cmd);

}  // namespace floatd::track
