// SpawnLauncher: the real ProcessLauncher (process_ports.hpp), over track::spawn() and
// waitid().
//
// Leaders are spawned with a pidfd, on which their exit is seen, and waited for by pid. exited_children() lists
// floatd's children (/proc/self/task/*/children) and peeks each by pid with WNOWAIT: a
// waitid(P_ALL, WNOWAIT) scan would return the same zombie leader again and again, and could
// not look past one that is held while its group is killed.
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
  std::vector<pid_t> exited_children() override;
};

}  // namespace floatd::daemon
