// Command: a script line from the config, split into argv without a shell, and the result of
// running it once.
//
// The split follows keepalived (and POSIX sh for the quoting it shares): blanks separate words,
// '...' keeps everything literal, "..." groups and lets a backslash escape $ ` " \ only, a
// backslash outside quotes escapes any character. A line that needs a shell (a pipe, a redirect,
// `;`, `&`, `$`, a backquote, a glob, `~`, a comment, `VAR=x cmd`, or a first word that only a
// shell knows: `exit`, `exec`, `trap`, `if`, `cd` ...) is run as {"/bin/sh", "-c", line} instead;
// its words are still checked for balanced quotes. Pure: no OS call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"
#include "floatd/time.hpp"

namespace floatd::track {

struct Command {
  std::vector<std::string> argv;  // argv[0] is a path or a name looked up in the script PATH
  bool shell = false;             // argv is {"/bin/sh", "-c", line}

  friend bool operator==(const Command&, const Command&) = default;
};

// Errors: "empty command", "unbalanced single quote", "unbalanced double quote",
// "trailing backslash", "NUL byte in command".
Result<Command> parse_command(std::string_view line);

// For `enable_script_security` on a shell command: the first word of `line` with its quotes
// removed, or "" when the line starts with shell syntax (a redirect, a subshell ...).
std::string first_word(std::string_view line);

// How one run of a script ended.
enum class Outcome : std::uint8_t {
  kSuccess,     // exit status 0
  kFailure,     // a non-zero exit status, or killed by a signal it did not get from us
  kTimeout,     // still running at the timeout: killed (SIGTERM, then SIGKILL after a grace)
  kSpawnError,  // could not be started (ProcessRunner::start reports this as its error)
};

const char* to_string(Outcome outcome);

// Only the first kMaxOutput bytes of a script's stdout+stderr are kept; the rest is read and
// thrown away so that a chatty script can neither block on a full pipe nor bloat the daemon.
inline constexpr std::size_t kMaxOutput = 4096;

struct ProcessResult {
  Outcome outcome = Outcome::kSpawnError;
  int exit_status = -1;  // WEXITSTATUS when it exited, else -1
  int signal = 0;        // the signal that killed it, else 0
  std::string output;    // the first kMaxOutput bytes of stdout+stderr
  Microseconds runtime{};
  std::string error;  // a readable reason when outcome != kSuccess
};

}  // namespace floatd::track
