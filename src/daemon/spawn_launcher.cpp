#include "daemon/spawn_launcher.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace floatd::daemon {

namespace {

// waitid() with EINTR retried; the siginfo of the child it found, or nullopt (none, or an
// error: ECHILD means there is no such child to wait for).
std::optional<siginfo_t> wait_for(idtype_t type, id_t id, int options) {
  siginfo_t info{};
  int rc;
  while ((rc = waitid(type, id, &info, options)) < 0 && errno == EINTR) {
  }
  if (rc < 0 || info.si_pid == 0) return std::nullopt;  // WNOHANG and nothing has exited
  return info;
}

// The status waitpid() would have given for what waitid() reported.
int wait_status(const siginfo_t& info) {
  switch (info.si_code) {
    case CLD_EXITED: return (info.si_status & 0xff) << 8;
    case CLD_DUMPED: return (info.si_status & 0x7f) | 0x80;
    default: return info.si_status & 0x7f;  // CLD_KILLED
  }
}

}  // namespace

Result<ProcessLauncher::Started> SpawnLauncher::spawn(const track::Command& cmd,
                                                      const track::RunAs& run_as,
                                                      const std::vector<std::string>& env) {
  auto child = track::spawn(cmd, run_as, env);
  if (!child) return fail(child.error());
  return Started{child->pid, UniqueFd(child->output_fd), UniqueFd(child->exit_fd)};
}

std::optional<int> SpawnLauncher::peek_exit(pid_t leader) {
  const auto info = wait_for(P_PID, static_cast<id_t>(leader), WEXITED | WNOHANG | WNOWAIT | __WALL);
  if (!info) return std::nullopt;
  return wait_status(*info);
}

bool SpawnLauncher::signal_group(pid_t leader, int sig) {
  return killpg(leader, sig) == 0 || errno != ESRCH;  // EPERM: someone is still there
}

void SpawnLauncher::reap(pid_t pid) { (void)wait_for(P_PID, static_cast<id_t>(pid), WEXITED | __WALL); }

std::optional<std::size_t> SpawnLauncher::read_output(int fd, std::span<char> buf) {
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return std::nullopt;
    return 0;
  }
}

std::vector<pid_t> SpawnLauncher::exited_children() {
  std::vector<pid_t> exited;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "children");
    pid_t pid;
    while (in >> pid) {  // our child: no one else can reap it, so the number stays its own
      if (wait_for(P_PID, static_cast<id_t>(pid), WEXITED | WNOHANG | WNOWAIT | __WALL))
        exited.push_back(pid);
    }
  }
  if (ec) {  // no /proc: one exited child at a time (stops at a zombie leader)
    if (auto info = wait_for(P_ALL, 0, WEXITED | WNOHANG | WNOWAIT)) exited.push_back(info->si_pid);
  }
  return exited;
}

}  // namespace floatd::daemon
