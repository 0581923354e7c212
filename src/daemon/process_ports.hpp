// ProcessLauncher: every operating-system call the ProcessRunner makes about a script, behind
// one small interface, so that the order of those calls (the part that is easy to get wrong:
// signal a process group only while its number is still ours) is tested with a fake that
// records it (tests/daemon/fake_launcher.hpp), and the real one (spawn_launcher.hpp) stays a
// thin layer over track/spawn.hpp and waitid().
//
// The contract that keeps killpg() safe: a process group's id is its leader's pid, and the
// kernel gives that number to no one else while the leader is unreaped (a zombie holds it).
// So peek_exit() looks at the leader's exit without reaping it, signal_group() is called only
// between spawn() and reap(), and reap() is the last call about a leader.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "floatd/result.hpp"
#include "floatd/unique_fd.hpp"
#include "track/command.hpp"
#include "track/spawn.hpp"

namespace floatd::daemon {

class ProcessLauncher {
 public:
  struct Started {
    pid_t pid = -1;   // the leader; also its process group's id
    UniqueFd output;  // stdout+stderr of the group, non-blocking
    UniqueFd exited;  // readable once the leader has exited (peek_exit() then has its status)
  };

  virtual ~ProcessLauncher() = default;

  // Starts `cmd` as `run_as` in a new process group (track::spawn()). The leader is never
  // reaped by anyone but reap() (nothing in floatd calls waitpid(-1)).
  virtual Result<Started> spawn(const track::Command& cmd, const track::RunAs& run_as,
                                const std::vector<std::string>& env) = 0;

  // The leader's wait status (as waitpid() gives it) once it has exited, else nullopt. The
  // leader stays a zombie: its pid, and so the group's id, cannot be reused.
  virtual std::optional<int> peek_exit(pid_t leader) = 0;

  // killpg(leader, sig); sig 0 only asks. False when no process is left in the group. Only
  // between spawn() and reap() of that leader.
  virtual bool signal_group(pid_t leader, int sig) = 0;

  // Reaps the leader (or an orphan exited_children() named): waits if it has not exited yet.
  virtual void reap(pid_t pid) = 0;

  // Reads the output pipe: bytes read (0 at EOF or on an error that will not go away), or
  // nullopt when there is nothing to read now.
  virtual std::optional<std::size_t> read_output(int fd, std::span<char> buf) = 0;

  // floatd's exited children, left zombies until reap(): leaders spawn() started among them,
  // and orphans of scripts handed to floatd as child subreaper. The caller reaps only those
  // that are not leaders.
  virtual std::vector<pid_t> exited_children() = 0;
};

}  // namespace floatd::daemon
