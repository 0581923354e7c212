// spawn: start one script as a child process that cannot hurt the daemon.
//
// The child runs in its own process group (so a timeout kills everything it started), gets
// SIGTERM if floatd dies (PR_SET_PDEATHSIG), runs as the configured user with that user's
// groups, sees only a scrubbed environment (PATH plus what the caller passes, never LD_PRELOAD,
// LD_LIBRARY_PATH, IFS ...), reads /dev/null, writes stdout and stderr into one pipe, and holds
// no other descriptor of the daemon. Everything is prepared before fork(); between fork() and
// execve() the child makes only async-signal-safe calls. posix_spawn() cannot change the user
// or set PDEATHSIG, hence fork().
//
// spawn() returns once the child has exec'd (or failed to: a close-on-exec pipe carries the
// errno back), so a missing program or a failed setuid is an error here, never an exit code.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"
#include "track/command.hpp"

namespace floatd::track {

// The only PATH a script sees; also where a bare command name is looked up.
inline constexpr std::string_view kScriptPath = "/usr/sbin:/usr/bin:/sbin:/bin";

// An absolute or relative path is returned unchanged if it names an executable regular file;
// a bare name is looked up in kScriptPath. Errors name the command.
Result<std::string> resolve_executable(std::string_view name);

// {"PATH=<kScriptPath>"} plus `extra` ("NAME=value" each). Refuses a malformed entry, PATH, a
// duplicate, and names that change how the loader, libc or the shell behave (LD_*, IFS, ENV,
// BASH_ENV, GCONV_PATH ...): the caller chose them, so that is a bug worth an error.
Result<std::vector<std::string>> script_environment(const std::vector<std::string>& extra);

struct Child {
  pid_t pid = -1;      // also the process group id
  int output_fd = -1;  // read end of the stdout+stderr pipe: non-blocking, close-on-exec; the
                       // caller owns it
};

// Starts `cmd`. `user` empty: keep floatd's user; else that user (getpwnam) with its groups,
// and an error if it does not exist or floatd may not switch to it.
Result<Child> spawn(const Command& cmd, const std::string& user,
                    const std::vector<std::string>& env);

}  // namespace floatd::track
