// FakeLauncher: a ProcessLauncher (src/daemon/process_ports.hpp) with no processes. It records
// every call in order ("spawn 100 echo", "peek 100", "signal 100 15", "reap 100"), and the
// test decides when a leader exits (exit()); its exit descriptor is a pipe made readable then,
// so the runner's real libev wiring is what the tests exercise.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/process_ports.hpp"

namespace floatd::test {

class FakeLauncher final : public daemon::ProcessLauncher {
 public:
  std::vector<std::string> calls;
  std::vector<std::string> violations;  // a group signalled after its leader was reaped
  std::vector<pid_t> started;           // in the order spawn() was called
  bool fail_spawn = false;

  Result<Started> spawn(const track::Command& cmd, const track::RunAs&,
                        const std::vector<std::string>&) override {
    if (fail_spawn) return fail(std::string("refused by the fake"));
    const pid_t pid = next_pid_++;
    int out[2], ex[2];
    if (pipe2(out, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2(ex, O_NONBLOCK | O_CLOEXEC) < 0)
      return fail(std::string("pipe"));
    procs_[pid] = Proc{out[1], ex[1], std::nullopt, false};
    calls.push_back("spawn " + std::to_string(pid) + " " + cmd.argv.front());
    started.push_back(pid);
    return Started{pid, UniqueFd(out[0]), UniqueFd(ex[0])};
  }

  std::optional<int> peek_exit(pid_t leader) override {
    calls.push_back("peek " + std::to_string(leader));
    return procs_.at(leader).status;
  }

  bool signal_group(pid_t leader, int sig) override {
    calls.push_back("signal " + std::to_string(leader) + " " + std::to_string(sig));
    if (procs_.at(leader).reaped) violations.push_back(calls.back() + " after reap");
    return true;
  }

  void reap(pid_t pid) override {
    calls.push_back("reap " + std::to_string(pid));
    auto it = procs_.find(pid);
    if (it == procs_.end()) return;  // an orphan
    it->second.reaped = true;
    close(it->second.out_w);
    close(it->second.exit_w);
  }

  std::optional<std::size_t> read_output(int fd, std::span<char> buf) override {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EAGAIN) return std::nullopt;
    return n < 0 ? 0 : static_cast<std::size_t>(n);
  }

  std::vector<pid_t> exited_children() override {
    std::vector<pid_t> out;
    for (const auto& [pid, p] : procs_) {
      if (p.status && !p.reaped) out.push_back(pid);
    }
    return out;
  }

  // The leader exits with `status` (a waitpid() status): its exit descriptor becomes readable.
  void exit(pid_t pid, int status) {
    auto& p = procs_.at(pid);
    p.status = status;
    (void)!write(p.exit_w, "x", 1);
  }
  void output(pid_t pid, const std::string& text) {
    (void)!write(procs_.at(pid).out_w, text.data(), text.size());
  }
  bool reaped(pid_t pid) const { return procs_.at(pid).reaped; }
  // The calls about one pid, in order.
  std::vector<std::string> calls_for(pid_t pid) const {
    std::vector<std::string> out;
    const std::string tag = " " + std::to_string(pid);
    for (const auto& c : calls) {
      const auto at = c.find(tag);
      if (at != std::string::npos && (at + tag.size() == c.size() || c[at + tag.size()] == ' '))
        out.push_back(c.substr(0, at));
    }
    return out;
  }

 private:
  struct Proc {
    int out_w;
    int exit_w;
    std::optional<int> status;
    bool reaped;
  };
  pid_t next_pid_ = 1000;
  std::map<pid_t, Proc> procs_;
};

}  // namespace floatd::test
