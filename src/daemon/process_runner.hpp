// ProcessRunner: runs health-check and notify scripts from the event loop without ever
// blocking it. Every OS call goes through a ProcessLauncher (process_ports.hpp); this file
// decides their order and watches the processes on libev.
//
// Per process: an ev_io on the leader's exit descriptor, an ev_io on the output pipe (first
// track::kMaxOutput bytes kept, the rest drained and dropped) and one ev_timer that is first
// the timeout and then the kill grace.
//
// floatd owns reaping. The loop must not be libev's default loop (whose SIGCHLD handler reaps
// every child with waitpid(-1)); the runner watches SIGCHLD itself and reaps only orphans
// handed to floatd as child subreaper, never a leader it started.
//
// The order that makes killpg() safe (issue 10, "killpg after reaping the leader can hit a
// reused group"): a group is signalled only while its leader is unreaped, a zombie holding
// the group's number. When the leader exits, its status is peeked (not reaped), the result is
// reported at once (a grandchild may hold the pipe open forever), the output read and closed,
// and the group gets SIGTERM; the leader is reaped kill_grace later, right after the group
// gets SIGKILL, so nothing a script started outlives it by more than the grace. At the timeout
// the group gets SIGTERM, then SIGKILL after kill_grace; the result is kTimeout whatever the
// exit status. The leader is reaped last, always.
//
// At most max_running leaders run at once (a slot is freed when the leader exits); further
// starts wait in FIFO order, and a queued run's timeout starts when it really starts.
#pragma once

#include <ev.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
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
#include "daemon/process_ports.hpp"

namespace floatd::daemon {

class ProcessRunner {
 public:
  using Done = std::function<void(const track::ProcessResult&)>;
  static constexpr Microseconds kKillGrace{1'000'000};  // SIGTERM -> SIGKILL
  static constexpr std::size_t kDefaultMaxRunning = 32;

  struct Limits {
    std::size_t max_running = kDefaultMaxRunning;  // at least 1
    Microseconds kill_grace = kKillGrace;
  };

  // `loop` must not be libev's default loop (it reaps behind our back): ev_loop_new().
  // `clock` times the runs (ProcessResult::runtime) and rate-limits the cap's log line.
  ProcessRunner(struct ev_loop* loop, Log& log, const Clock& clock, ProcessLauncher& launcher,
                Limits limits);
  ProcessRunner(struct ev_loop* loop, Log& log, const Clock& clock, ProcessLauncher& launcher)
      : ProcessRunner(loop, log, clock, launcher, Limits{}) {}
  // Kills every process group still running or lingering (SIGTERM; SIGKILL once every leader
  // has exited or after kill_grace) and reaps the leaders. Blocks for at most about
  // kill_grace. No callback runs; queued runs are dropped.
  ~ProcessRunner();
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Starts `cmd` as `run_as` (resolved at config load: no user lookup here) with `env`
  // ("NAME=value", added to the scrubbed environment), killed at `timeout` (zero or less:
  // never), or queues it when max_running scripts run. Returns the run's id. A command started
  // at once that cannot be started (not found, refused by script security, a refused
  // variable, fork or exec failure) is the error here and `done` is never called; a queued one
  // reports that later as kSpawnError through `done`. The result's output is sanitised
  // (floatd::sanitize_text, newlines kept): script output is outside text.
  // Otherwise `done` is called exactly once, from the loop, unless cancel()ed first. `done`
  // may call start() and cancel() but must not destroy the runner.
  Result<std::uint64_t> start(const track::Command& cmd, const track::RunAs& run_as,
                              Microseconds timeout, const std::vector<std::string>& env, Done done);

  // Queued: dropped. Running: its process group gets SIGKILL now. Its `done` is not called.
  // Unknown or finished ids are ignored.
  void cancel(std::uint64_t id);

  // A new cap applies to the next starts; running scripts are not touched.
  void set_max_running(std::size_t n);

  // Runs whose result is not reported yet and that have started (lingering groups being
  // killed do not count), and runs waiting for a slot.
  std::size_t running() const;
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Process;
  static void on_exit(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  static void on_output(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  static void on_timer(struct ev_loop* loop, ev_timer* w, int revents) noexcept;
  static void on_sigchld(struct ev_loop* loop, ev_signal* w, int revents) noexcept;
  Result<Ok> launch(Process& p);
  void start_queued();
  void leader_exited(Process& p);
  void timer_fired(Process& p);
  void reap_orphans();
  void read_output(Process& p, int max_reads);
  void close_output(Process& p);
  void report(Process& p, int status);
  void signal_group(Process& p, int sig);
  void finish(Process& p);  // reaps the leader and forgets the run
  void arm(Process& p, Microseconds after);

  struct ev_loop* loop_;
  Log& log_;
  const Clock& clock_;
  ProcessLauncher& launcher_;
  Limits limits_;
  std::uint64_t next_id_ = 1;
  std::size_t active_ = 0;  // leaders started and not yet exited: the slots in use
  std::map<std::uint64_t, std::unique_ptr<Process>> processes_;
  std::deque<std::uint64_t> queue_;  // waiting for a slot, oldest first
  RateLimiter cap_log_{1, Microseconds{60'000'000}};
  ev_signal sigchld_{};
};

}  // namespace floatd::daemon
