// SpawnLauncher: the real ProcessLauncher (process_ports.hpp), over track::spawn() and
// waitid().
//
// Leaders are spawned without an exit signal (track/spawn.hpp, Child), so they are "clone
// children": waitid(P_ALL) without __WALL, which peek_orphan() uses, never returns one, and
// what it returns is an orphan by construction. Leaders are waited for by pid with __WALL,
// and their exit is seen on a pidfd.
#pragma once

#include "daemon/process_ports.hpp"

namespace floatd::daemon {

class SpawnLauncher final : public ProcessLauncher {
 public:
  Result<Started> spawn(const track::Command& cmd, const track::RunAs& run_as,
                        const std::vector<std::string>& env) override;
  std::optional<int> peek_exit(pid_t leader) override;
  bool signal_group(pid_t leader, int sig) override;
  void reap(pid_t pid) override;
  std::optional<std::size_t> read_output(int fd, std::span<char> buf) override;
  std::optional<pid_t> peek_orphan() override;
};

}  // namespace floatd::daemon
