// Script security (keepalived's enable_script_security): floatd runs scripts as root by
// default, so a script that a non-root user can change is a root shell for that user.
//
// check_script_security() refuses a program when the file, or any directory above it, is owned
// by a non-root user, group-writable with a non-root group, or world-writable. Like keepalived,
// a root-owned directory with the sticky bit (/tmp) passes: others can add files there but not
// replace root's. Symlinks are followed: the directories holding each link and everything on the
// way to the target are checked. The program must exist and be executable.
//
// A line that needs /bin/sh cannot be checked: after its first word the shell may run anything
// (`/usr/bin/true && /home/u/x`). Run as root it is refused (put it in a script file); run as
// another user, /bin/sh and the first word are checked, as keepalived does.
//
// The check at load is not enough: a file can be swapped before it runs. spawn() therefore
// opens the program, checks the open descriptor and the directories above the path, and
// executes that descriptor (open_checked_program()).
#pragma once

#include "floatd/result.hpp"
#include "track/command.hpp"

namespace floatd::track {

// Error: a readable reason naming the offending path, e.g.
// "/etc/floatd/check.sh: /etc/floatd is writable by group 1000 (admins)".
// `as_root`: the command runs as uid 0 (a shell line is then refused).
Result<Ok> check_script_security(const Command& cmd, bool as_root);

// Opens `path` (absolute, as resolve_executable() gives it) O_PATH | O_CLOEXEC and checks it:
// a regular, executable file that only root can change, the directories on the way to it
// likewise, and `path` still naming the opened file after they were checked. Returns the
// descriptor (the caller owns it).
Result<int> open_checked_program(const std::string& path);

}  // namespace floatd::track
