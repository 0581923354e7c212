#include "daemon/process_runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "floatd/text.hpp"
#include "daemon/callback_guard.hpp"
#include "track/spawn.hpp"
#include "floatd/unique_fd.hpp"

namespace floatd::daemon {

namespace {

constexpr int kReadsPerWakeup = 16;  // 1 MiB at most per wakeup: a flood can't starve the loop
constexpr int kReadsAtExit = 16;     // what is left in the pipe when the child has exited
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

double seconds(Microseconds d) { return std::chrono::duration<double>(d).count(); }

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

struct ProcessRunner::Process {
  ProcessRunner* runner = nullptr;
  std::uint64_t id = 0;
  // What to start; kept only while queued.
  track::Command cmd;
  track::RunAs run_as;
  std::vector<std::string> env;
  pid_t pid = -1;  // also the process group id; -1 while queued
  UniqueFd output_fd;
  UniqueFd exit_fd;
  ev_io exit_watcher{};
  ev_io output_watcher{};
  ev_timer timer{};  // the timeout, then the grace between SIGTERM and SIGKILL
  Done done;
  Microseconds timeout{};
  MonoTime started{};
  std::string output;
  bool exited = false;    // the leader has exited (a zombie until finish())
  bool reported = false;  // done has been called, or the run was cancelled
  bool timed_out = false;
  bool term_sent = false;
  bool kill_sent = false;
};

ProcessRunner::ProcessRunner(struct ev_loop* loop, Log& log, const Clock& clock,
                             ProcessLauncher& launcher, Limits limits)
    : loop_(loop), log_(log), clock_(clock), launcher_(launcher), limits_(limits) {
  limits_.max_running = std::max<std::size_t>(limits_.max_running, 1);
  ev_signal_init(&sigchld_, on_sigchld, SIGCHLD);
  sigchld_.data = this;
  if (!ev_is_default_loop(loop_)) {
    ev_signal_start(loop_, &sigchld_);
    ev_unref(loop_);  // watching for orphans alone does not keep the loop running
  }
}

Result<std::uint64_t> ProcessRunner::start(const track::Command& cmd, const track::RunAs& run_as,
                                           Microseconds timeout,
                                           const std::vector<std::string>& env, Done done) {
  if (ev_is_default_loop(loop_)) return fail("scripts need a loop of their own, not libev's default loop");
  auto p = std::make_unique<Process>();
  p->runner = this;
  p->id = next_id_++;
  p->cmd = cmd;
  p->run_as = run_as;
  p->env = env;
  p->done = std::move(done);
  p->timeout = timeout;
  const auto id = p->id;
  if (queue_.empty() && active_ < limits_.max_running) {
    if (auto ok = launch(*p); !ok) return fail(ok.error());
  } else {
    if (auto suppressed = cap_log_.allow(clock_.now())) {
      log_.warning("scripts: " + std::to_string(active_) + " running, the most allowed " +
                   "(max_running_scripts); further starts wait in order" +
                   (*suppressed ? " (" + std::to_string(*suppressed) + " more since)" : ""));
    }
    queue_.push_back(id);
  }
  processes_.emplace(id, std::move(p));
  return id;
}

Result<Ok> ProcessRunner::launch(Process& p) {
  auto child = launcher_.spawn(p.cmd, p.run_as, p.env);
  if (!child) return fail(child.error());
  ++active_;
  p.pid = child->pid;
  p.output_fd = std::move(child->output);
  p.exit_fd = std::move(child->exited);
  p.started = clock_.now();
  ev_io_init(&p.exit_watcher, on_exit, p.exit_fd.get(), EV_READ);
  p.exit_watcher.data = &p;
  ev_io_start(loop_, &p.exit_watcher);
  ev_io_init(&p.output_watcher, on_output, p.output_fd.get(), EV_READ);
  p.output_watcher.data = &p;
  ev_io_start(loop_, &p.output_watcher);
  ev_init(&p.timer, on_timer);
  p.timer.data = &p;
  if (p.timeout > Microseconds::zero()) arm(p, p.timeout);
  log_.debug("script pid " + std::to_string(p.pid) + " started: " + p.cmd.argv.front());
  p.env.clear();
  return Ok{};
}

// Fills free slots from the queue, oldest first. A run that cannot start reports kSpawnError.
void ProcessRunner::start_queued() {
  while (active_ < limits_.max_running && !queue_.empty()) {
    const auto id = queue_.front();
    queue_.pop_front();
    const auto it = processes_.find(id);
    if (it == processes_.end()) continue;
    Process& p = *it->second;
    auto ok = launch(p);
    if (ok) continue;
    track::ProcessResult r{track::Outcome::kSpawnError, -1, 0, {}, {}, ok.error()};
    const Done done = std::move(p.done);
    processes_.erase(it);  // destroys p
    guarded(log_, "process runner: done callback", [&] {
      if (done) done(r);
    });
  }
}

void ProcessRunner::cancel(std::uint64_t id) {
  const auto it = processes_.find(id);
  if (it == processes_.end() || it->second->reported) return;
  Process& p = *it->second;
  if (p.pid < 0) {  // still queued
    queue_.erase(std::find(queue_.begin(), queue_.end(), id));
    processes_.erase(it);
    return;
  }
  p.reported = true;
  p.done = nullptr;
  close_output(p);
  ev_timer_stop(loop_, &p.timer);
  signal_group(p, SIGKILL);  // the leader is not reaped yet: its group is still its own
}

void ProcessRunner::set_max_running(std::size_t n) {
  limits_.max_running = std::max<std::size_t>(n, 1);
  start_queued();
}

std::size_t ProcessRunner::running() const {
  return static_cast<std::size_t>(std::count_if(processes_.begin(), processes_.end(), [](const auto& kv) {
    return kv.second->pid >= 0 && !kv.second->reported;
  }));
}

void ProcessRunner::on_exit(struct ev_loop*, ev_io* w, int) noexcept {
  auto* p = static_cast<Process*>(w->data);
  guarded(p->runner->log_, "process runner: child exit", [&] { p->runner->leader_exited(*p); });
}

void ProcessRunner::on_output(struct ev_loop*, ev_io* w, int) noexcept {
  auto* p = static_cast<Process*>(w->data);
  guarded(p->runner->log_, "process runner: output", [&] { p->runner->read_output(*p, kReadsPerWakeup); });
}

void ProcessRunner::on_timer(struct ev_loop*, ev_timer* w, int) noexcept {
  auto* p = static_cast<Process*>(w->data);
  guarded(p->runner->log_, "process runner: timer", [&] { p->runner->timer_fired(*p); });
}

void ProcessRunner::on_sigchld(struct ev_loop*, ev_signal* w, int) noexcept {
  auto* r = static_cast<ProcessRunner*>(w->data);
  guarded(r->log_, "process runner: SIGCHLD", [r] { r->reap_orphans(); });
}

// The leader has exited: it stays a zombie, so its group's number is still ours to signal.
void ProcessRunner::leader_exited(Process& p) {
  const auto status = launcher_.peek_exit(p.pid);
  if (!status) return;  // not yet
  ev_io_stop(loop_, &p.exit_watcher);
  p.exit_fd.reset();
  p.exited = true;
  --active_;
  if (p.output_fd) {  // don't wait for EOF: a grandchild may hold the pipe forever
    read_output(p, kReadsAtExit);
    close_output(p);
  }
  Process* keep = &p;
  const auto id = p.id;
  if (!p.reported) report(p, *status);  // done may start() or cancel(), not touch p
  start_queued();
  const auto it = processes_.find(id);
  if (it == processes_.end() || it->second.get() != keep) return;
  if (p.kill_sent) {  // cancelled, or past the grace: nothing of the group may linger
    signal_group(p, SIGKILL);
    finish(p);
    return;
  }
  if (!p.term_sent) {  // grandchildren get SIGTERM now, SIGKILL after the grace
    signal_group(p, SIGTERM);
    arm(p, limits_.kill_grace);
  }  // else the grace since the timeout's SIGTERM is running: it ends in SIGKILL
}

void ProcessRunner::timer_fired(Process& p) {
  if (!p.term_sent) {  // the timeout
    p.timed_out = true;
    signal_group(p, SIGTERM);
    arm(p, limits_.kill_grace);
    return;
  }
  if (!p.exited) log_.debug("script pid " + std::to_string(p.pid) + " ignored SIGTERM: SIGKILL");
  signal_group(p, SIGKILL);
  if (p.exited) finish(p);  // else leader_exited() reports and finishes it
}

// Orphans (floatd is a child subreaper) are reaped as they come; a leader never is here.
void ProcessRunner::reap_orphans() {
  for (const pid_t pid : launcher_.exited_children()) {
    const bool leader = std::any_of(processes_.begin(), processes_.end(),
                                    [&](const auto& kv) { return kv.second->pid == pid; });
    if (!leader) launcher_.reap(pid);  // a leader goes through leader_exited() and finish()
  }
}

void ProcessRunner::read_output(Process& p, int max_reads) {
  char buf[kReadChunk];
  for (int i = 0; i < max_reads && p.output_fd; ++i) {
    const auto n = launcher_.read_output(p.output_fd.get(), buf);
    if (!n) return;  // nothing more for now
    if (*n == 0) {
      close_output(p);  // EOF, or an error that will not go away
      return;
    }
    const auto keep = std::min(*n, track::kMaxOutput - p.output.size());
    p.output.append(buf, keep);  // the rest is dropped: read only to keep the pipe flowing
  }
}

void ProcessRunner::close_output(Process& p) {
  if (!p.output_fd) return;
  ev_io_stop(loop_, &p.output_watcher);
  p.output_fd.reset();
}

void ProcessRunner::report(Process& p, int status) {
  track::ProcessResult r;
  r.runtime = std::chrono::duration_cast<Microseconds>(clock_.now() - p.started);
  r.output = sanitize_text(p.output, track::kMaxOutput, true);  // outside text, made safe here
  if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (p.timed_out) {
    r.outcome = track::Outcome::kTimeout;
    r.error = "timed out after " + std::to_string(p.timeout.count() / 1000) + " ms";
    if (r.signal != 0) r.error += " (" + signal_name(r.signal) + ")";
  } else if (r.exit_status == 0) {
    r.outcome = track::Outcome::kSuccess;
  } else {
    r.outcome = track::Outcome::kFailure;
    r.error = r.signal != 0 ? "killed by " + signal_name(r.signal)
                            : "exited with status " + std::to_string(r.exit_status);
  }
  p.reported = true;
  const Done done = std::move(p.done);
  p.done = nullptr;
  guarded(log_, "process runner: done callback", [&] {
    if (done) done(r);
  });
}

void ProcessRunner::signal_group(Process& p, int sig) {
  if (sig == SIGTERM) p.term_sent = true;
  if (sig == SIGKILL) p.kill_sent = true;
  (void)launcher_.signal_group(p.pid, sig);
}

void ProcessRunner::arm(Process& p, Microseconds after) {
  ev_timer_stop(loop_, &p.timer);
  ev_now_update(loop_);  // the loop's idea of now may be a whole callback old
  ev_timer_set(&p.timer, seconds(after), 0.);
  ev_timer_start(loop_, &p.timer);
}

void ProcessRunner::finish(Process& p) {
  ev_io_stop(loop_, &p.exit_watcher);
  ev_timer_stop(loop_, &p.timer);
  close_output(p);
  launcher_.reap(p.pid);  // the last call about this leader: its group is not ours any more
  processes_.erase(p.id);  // destroys p
}

ProcessRunner::~ProcessRunner() {
  // No loop runs here: poll the leaders directly. Groups are signalled before their leader
  // is reaped, never after.
  queue_.clear();
  if (!ev_is_default_loop(loop_)) {
    ev_ref(loop_);
    ev_signal_stop(loop_, &sigchld_);
  }
  std::vector<Process*> started;
  for (auto& [id, p] : processes_) {
    if (p->pid < 0) continue;
    ev_io_stop(loop_, &p->exit_watcher);
    ev_timer_stop(loop_, &p->timer);
    close_output(*p);
    if (!p->kill_sent) signal_group(*p, SIGTERM);
    started.push_back(p.get());
  }
  // The grace is counted in sleeps, not read from a clock: real processes need real time to
  // exit, whatever clock the runner was given (a fake one would never move here).
  constexpr Microseconds kTick{10'000};
  for (auto waited = Microseconds{0};; waited += kTick) {
    bool waiting = false;
    for (Process* p : started) {
      if (!p->exited) p->exited = launcher_.peek_exit(p->pid).has_value();
      waiting = waiting || !p->exited;
    }
    if (!waiting || waited >= limits_.kill_grace) break;
    const timespec tick{0, kTick.count() * 1000};
    nanosleep(&tick, nullptr);
  }
  for (Process* p : started) {
    signal_group(*p, SIGKILL);  // what lingers; the leader too if it ignored SIGTERM
    launcher_.reap(p->pid);
  }
}

}  // namespace floatd::daemon
