// ProcessRunner: runs health-check and notify scripts from the event loop without ever
// blocking it (track/spawn.hpp starts them; this file watches them on libev).
//
// Per process: an ev_child watcher (libev reaps children on the default loop only), an ev_io on
// the output pipe (first track::kMaxOutput bytes kept, the rest drained and dropped) and one
// ev_timer that is first the timeout and then the kill grace.
//
// The result is reported when the direct child is reaped, not at EOF: a grandchild left in the
// background may hold the pipe open forever. What is in the pipe then is read, the pipe closed,
// and the process group that may still hold grandchildren gets SIGTERM, then SIGKILL after
// kKillGrace, so nothing a script started outlives it. At the timeout the group gets SIGTERM,
// then SIGKILL after kKillGrace; the result is kTimeout whatever the exit status.
#pragma once

#include <ev.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "floatd/log.hpp"
#include "floatd/result.hpp"
#include "floatd/time.hpp"
#include "track/command.hpp"
#include "track/spawn.hpp"

namespace floatd::daemon {

class ProcessRunner {
 public:
  using Done = std::function<void(const track::ProcessResult&)>;
  static constexpr Microseconds kKillGrace{1'000'000};  // SIGTERM -> SIGKILL

  // `loop` must be libev's default loop (the only one that sees SIGCHLD).
  ProcessRunner(struct ev_loop* loop, Log& log);
  // Kills every process group still running or lingering (SIGTERM, SIGKILL after kKillGrace)
  // and reaps the direct children. Blocks for at most about kKillGrace. No callback runs.
  ~ProcessRunner();
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Starts `cmd` as `run_as` (resolved at config load: no user lookup here) with `env`
  // ("NAME=value", added to the scrubbed environment), killed at `timeout` (zero or less:
  // never). Returns the run's id. A command that cannot be started (not found, refused by
  // script security, a refused variable, fork or exec failure) is the error here and `done` is
  // never called: kSpawnError never reaches it. The result's output is sanitised
  // (floatd::sanitize_text, newlines kept): script output is outside text.
  // Otherwise `done` is called exactly once, from the loop, unless cancel()ed first. `done`
  // may call start() and cancel() but must not destroy the runner.
  Result<std::uint64_t> start(const track::Command& cmd, const track::RunAs& run_as,
                              Microseconds timeout, const std::vector<std::string>& env, Done done);

  // Kills the run's process group now (SIGKILL); its `done` is not called. Unknown or
  // finished ids are ignored.
  void cancel(std::uint64_t id);

  // Runs whose result is not reported yet (lingering groups being killed do not count).
  std::size_t running() const;

 private:
  struct Process;
  static void on_child(struct ev_loop* loop, ev_child* w, int revents) noexcept;
  static void on_output(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  static void on_timer(struct ev_loop* loop, ev_timer* w, int revents) noexcept;
  void child_exited(Process& p, int status);
  void timer_fired(Process& p);
  void read_output(Process& p, int max_reads);
  void close_output(Process& p);
  void report(Process& p, int status);
  void signal_group(Process& p, int sig);
  void forget(Process& p);

  struct ev_loop* loop_;
  Log& log_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Process>> processes_;
};

}  // namespace floatd::daemon
