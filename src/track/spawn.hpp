// spawn: start one script as a child process that cannot hurt the daemon.
//
// The child runs in its own process group (so a timeout kills everything it started), gets
// SIGTERM if floatd dies (PR_SET_PDEATHSIG), runs as the configured user with that user's
// groups, sees only a scrubbed environment (PATH plus what the caller passes, never LD_PRELOAD,
// LD_LIBRARY_PATH, IFS ...), reads /dev/null, writes stdout and stderr into one pipe, and holds
// no other descriptor of the daemon. Everything is prepared before the child starts; from
// clone() to execve() the child makes only raw system calls. posix_spawn() cannot change the
// user or set PDEATHSIG, so spawn() does what it does inside: clone(CLONE_VM | CLONE_VFORK)
// on a small stack of its own. The daemon's page tables are not copied (fork() of a 100 MB
// daemon took milliseconds of the event loop per script), and the daemon is suspended only
// until the child has exec'd.
//
// spawn() returns once the child has exec'd (or failed to: it leaves the stage and errno in
// the memory it shares with us), so a missing program or a failed setuid is an error here,
// never an exit code.
//
// The user is resolved once, when the config is loaded (resolve_identity(): NSS may hang for
// seconds on sssd or LDAP), and spawn() gets the uid, gid and groups: it never calls NSS.
// With script security, spawn() checks the program again (track/script_security.hpp) on the
// descriptor it then executes (execveat(AT_EMPTY_PATH)), so a file swapped in after the check
// is never run.
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

// The caller learns of the child's exit from `exit_fd` (a pidfd) and must be the only one that
// reaps it (by pid): nothing else in floatd may call waitpid(-1).
struct Child {
  pid_t pid = -1;      // also the process group id
  int output_fd = -1;  // read end of the stdout+stderr pipe: non-blocking, close-on-exec; the
                       // caller owns it
  int exit_fd = -1;    // a pidfd: readable once the child has exited; close-on-exec; the
                       // caller owns it
};

// Who a child becomes. change == false: it keeps floatd's user and groups.
struct Identity {
  std::string name;  // for messages; "" when unchanged
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // the supplementary groups (getgrouplist)

  bool root() const;  // the child runs as uid 0

  friend bool operator==(const Identity&, const Identity&) = default;
};

// Looks `user` up (getpwnam_r, getgrouplist: NSS, may block): for config load, never the loop.
// `user` empty: floatd's own user. Errors: "user 'x' does not exist", or floatd is not root and
// `user` is someone else.
Result<Identity> resolve_identity(const std::string& user);

// How a script is run: as whom, and whether enable_script_security applies.
struct RunAs {
  Identity identity;
  bool script_security = false;

  friend bool operator==(const RunAs&, const RunAs&) = default;
};

// Starts `cmd` as `run_as`. With script_security, the program is checked again now (a shell
// line run as root is refused) and the checked descriptor is what is executed.
Result<Child> spawn(const Command& cmd, const RunAs& run_as, const std::vector<std::string>& env);

}  // namespace floatd::track
