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
  pid_t pid = -1;  // also the process group id
  int output_fd = -1;
  ev_child child_watcher{};
  ev_io output_watcher{};
  ev_timer timer{};  // the timeout, then the grace between SIGTERM and SIGKILL
  Done done;
  Microseconds timeout{};
  MonoTime started{};
  std::string output;
  bool reaped = false;    // the direct child has exited
  bool reported = false;  // done has been called, or the run was cancelled
  bool timed_out = false;
  bool term_sent = false;
  bool kill_sent = false;
};

ProcessRunner::ProcessRunner(struct ev_loop* loop, Log& log) : loop_(loop), log_(log) {}

Result<std::uint64_t> ProcessRunner::start(const track::Command& cmd, const track::RunAs& run_as,
                                           Microseconds timeout,
                                           const std::vector<std::string>& env, Done done) {
  if (!ev_is_default_loop(loop_)) return fail("scripts need libev's default loop (SIGCHLD)");
  auto child = track::spawn(cmd, run_as, env);
  if (!child) return fail(child.error());

  auto p = std::make_unique<Process>();
  p->runner = this;
  p->id = next_id_++;
  p->pid = child->pid;
  p->output_fd = child->output_fd;
  p->done = std::move(done);
  p->timeout = timeout;
  p->started = MonoClock::now();
  ev_child_init(&p->child_watcher, on_child, p->pid, 0);
  p->child_watcher.data = p.get();
  ev_child_start(loop_, &p->child_watcher);
  ev_io_init(&p->output_watcher, on_output, p->output_fd, EV_READ);
  p->output_watcher.data = p.get();
  ev_io_start(loop_, &p->output_watcher);
  ev_init(&p->timer, on_timer);
  p->timer.data = p.get();
  if (timeout > Microseconds::zero()) {
    ev_now_update(loop_);  // the loop's idea of now may be a whole callback old
    ev_timer_set(&p->timer, seconds(timeout), 0.);
    ev_timer_start(loop_, &p->timer);
  }
  log_.debug("script pid " + std::to_string(p->pid) + " started: " + cmd.argv.front());
  const auto id = p->id;
  processes_.emplace(id, std::move(p));
  return id;
}

void ProcessRunner::cancel(std::uint64_t id) {
  const auto it = processes_.find(id);
  if (it == processes_.end() || it->second->reported) return;
  Process& p = *it->second;
  p.reported = true;
  p.done = nullptr;
  close_output(p);
  ev_timer_stop(loop_, &p.timer);
  signal_group(p, SIGKILL);  // the child watcher reaps it, then forgets it
}

std::size_t ProcessRunner::running() const {
  return static_cast<std::size_t>(std::count_if(
      processes_.begin(), processes_.end(), [](const auto& kv) { return !kv.second->reported; }));
}

void ProcessRunner::on_child(struct ev_loop*, ev_child* w, int) noexcept {
  auto* p = static_cast<Process*>(w->data);
  guarded(p->runner->log_, "process runner: child exit", [&] { p->runner->child_exited(*p, w->rstatus); });
}

void ProcessRunner::on_output(struct ev_loop*, ev_io* w, int) noexcept {
  auto* p = static_cast<Process*>(w->data);
  guarded(p->runner->log_, "process runner: output", [&] { p->runner->read_output(*p, kReadsPerWakeup); });
}

void ProcessRunner::on_timer(struct ev_loop*, ev_timer* w, int) noexcept {
  auto* p = static_cast<Process*>(w->data);
  guarded(p->runner->log_, "process runner: timer", [&] { p->runner->timer_fired(*p); });
}

void ProcessRunner::child_exited(Process& p, int status) {
  ev_child_stop(loop_, &p.child_watcher);
  p.reaped = true;
  if (p.output_fd >= 0) {  // don't wait for EOF: a grandchild may hold the pipe forever
    read_output(p, kReadsAtExit);
    close_output(p);
  }
  if (!p.reported) report(p, status);
  // Grandchildren left in the group get SIGTERM now and SIGKILL after the grace.
  if (p.kill_sent || killpg(p.pid, 0) < 0) {
    forget(p);
    return;
  }
  if (!p.term_sent) {
    signal_group(p, SIGTERM);
    ev_timer_stop(loop_, &p.timer);
    ev_timer_set(&p.timer, seconds(kKillGrace), 0.);
    ev_timer_start(loop_, &p.timer);
  }
}

void ProcessRunner::timer_fired(Process& p) {
  if (!p.term_sent) {  // the timeout
    p.timed_out = true;
    signal_group(p, SIGTERM);
    ev_timer_set(&p.timer, seconds(kKillGrace), 0.);
    ev_timer_start(loop_, &p.timer);
    return;
  }
  if (!p.reaped) log_.debug("script pid " + std::to_string(p.pid) + " ignored SIGTERM: SIGKILL");
  signal_group(p, SIGKILL);
  if (p.reaped) forget(p);  // else on_child reports and forgets it
}

void ProcessRunner::read_output(Process& p, int max_reads) {
  char buf[kReadChunk];
  for (int i = 0; i < max_reads && p.output_fd >= 0; ++i) {
    const ssize_t n = read(p.output_fd, buf, sizeof buf);
    if (n > 0) {
      const auto keep = std::min(static_cast<std::size_t>(n), track::kMaxOutput - p.output.size());
      p.output.append(buf, keep);  // the rest is dropped: read only to keep the pipe flowing
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_output(p);  // EOF, or an error that will not go away
  }
}

void ProcessRunner::close_output(Process& p) {
  if (p.output_fd < 0) return;
  ev_io_stop(loop_, &p.output_watcher);
  close(p.output_fd);
  p.output_fd = -1;
}

void ProcessRunner::report(Process& p, int status) {
  track::ProcessResult r;
  r.runtime = std::chrono::duration_cast<Microseconds>(MonoClock::now() - p.started);
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
  if (killpg(p.pid, sig) < 0 && errno != ESRCH)
    log_.debug("killpg(" + std::to_string(p.pid) + "): " + std::strerror(errno));
}

void ProcessRunner::forget(Process& p) {
  ev_child_stop(loop_, &p.child_watcher);
  ev_timer_stop(loop_, &p.timer);
  close_output(p);
  processes_.erase(p.id);  // destroys p
}

ProcessRunner::~ProcessRunner() {
  // No loop runs here: poll the children and the groups directly.
  const auto reap = [](Process& p, int flags) {
    if (p.reaped) return;
    pid_t r;
    while ((r = waitpid(p.pid, nullptr, flags)) < 0 && errno == EINTR) {
    }
    p.reaped = r == p.pid || (r < 0 && errno == ECHILD);  // ECHILD: libev reaped it already
  };
  const auto alive = [](const Process& p) { return !p.reaped || killpg(p.pid, 0) == 0; };
  for (auto& [id, p] : processes_) {
    ev_child_stop(loop_, &p->child_watcher);
    ev_timer_stop(loop_, &p->timer);
    close_output(*p);
    if (!p->kill_sent) signal_group(*p, SIGTERM);
  }
  const auto deadline = MonoClock::now() + kKillGrace;
  for (;;) {
    bool any = false;
    for (auto& [id, p] : processes_) {
      reap(*p, WNOHANG);
      any = any || alive(*p);
    }
    if (!any || MonoClock::now() >= deadline) break;
    const timespec tick{0, 10'000'000};
    nanosleep(&tick, nullptr);
  }
  for (auto& [id, p] : processes_) {
    if (alive(*p)) signal_group(*p, SIGKILL);
    reap(*p, 0);
  }
}

}  // namespace floatd::daemon
