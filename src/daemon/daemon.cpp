#include "daemon/daemon.hpp"

#include <chrono>
#include "daemon/daemon_parts.hpp"

#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "daemon/callback_guard.hpp"
#include "daemon/reload_plan.hpp"
#include "daemon/runtime_checks.hpp"
#include "daemon/service_notify.hpp"

namespace floatd::daemon {

namespace {

void make_parent_dir(const std::string& path) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
}

}  // namespace

Daemon::Daemon(Options options, config::Config config, Log& log, DaemonPorts ports)
    : options_(std::move(options)),
      unchecked_(std::make_shared<config::Config>(std::move(config))),
      log_(log),
      clock_(ports.clock),
      kernel_(&ports.kernel),
      monitor_(&ports.monitor),
      vrrp_(ports.vrrp),
      frames_(ports.frames),
      solicitations_(ports.solicitations),
      timer_(ports.timer),
      control_transport_(ports.control),
      processes_(ports.processes),
      loader_(ports.loader),
      // Not libev's default loop: that one reaps every child behind our back (ProcessRunner).
      loop_(ev_loop_new(EVFLAG_AUTO)),
      sequence_epoch_(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count())) {
  config_ = unchecked_;
}

Daemon::~Daemon() {
  for (auto& s : signals_) ev_signal_stop(loop_, &s);
  ev_io_stop(loop_, &monitor_watcher_);
  ev_io_stop(loop_, &timer_watcher_);
  ev_io_stop(loop_, &files_watcher_);
  ev_io_stop(loop_, &solicit_watcher_);
  ev_io_stop(loop_, &loader_watcher_);
  for (auto& [key, s] : sockets_) ev_io_stop(loop_, &s->watcher);
  // Whatever still watches the loop goes before it.
  notifier_.reset();
  tracking_.reset();
  runner_.reset();
  control_.reset();
  deferred_.reset();
  loop_meter_.reset();
  sockets_.clear();
  if (loop_ != nullptr) ev_loop_destroy(loop_);
}

int Daemon::run() {
  if (auto r = start(); !r) {
    log_.error(r.error());
    return 1;
  }
  ev_run(loop_, 0);
  stop();
  return exit_code_;
}

Result<Ok> Daemon::start() {
  if (loop_ == nullptr) return fail(std::string("cannot create the event loop"));
  if (auto r = init(); !r) {
    shutdown();
    return r;
  }
  phase_ = Phase::kRunning;
  log_.info("floatd " FLOATD_VERSION " running with " + std::to_string(instances_.size()) +
            " instance(s)");
  notify_systemd("READY=1");  // Type=notify; nothing happens without NOTIFY_SOCKET
  return Ok{};
}

void Daemon::stop() {
  if (phase_ == Phase::kStopping) return;
  notify_systemd("STOPPING=1");
  shutdown();
}

Result<Ok> Daemon::init() {
  // First: a second floatd started by mistake must not touch the running one's VIPs.
  auto pid_file = PidFile::acquire(options_.pid_file.value_or(config_->global.pid_file));
  if (!pid_file) return fail(pid_file.error());
  pid_file_.emplace(std::move(*pid_file));
  auto dump = monitor_->dump();
  if (!dump) return fail("reading interfaces: " + dump.error());
  for (const auto& e : *dump) table_.apply(e);
  remove_stale_vips(*dump);  // before joining the election (crash recovery)
  remove_stale_vmacs();
  // The monitor has queued the kernel's notices of those removals: read them now, so that an
  // instance starting as MASTER does not take them for someone deleting its fresh VIP. If
  // notices were lost (an overrun: many stale VIPs, or a busy host), the table is dumped
  // afresh, as on any overrun, or it would keep VIPs that are gone.
  for (int i = 0; i < 64; ++i) {
    auto batch = monitor_->read();
    if (!batch || (batch->events.empty() && !batch->overrun)) break;
    if (batch->overrun) {
      log_.notice("link monitor: notices lost while starting (overrun): reading the kernel again");
      resync_table();
      break;
    }
    for (const auto& e : batch->events) table_.apply(e);
  }

  loop_meter_ = std::make_unique<LoopMeter>(loop_, clock_, log_);
  ev_io_init(&timer_watcher_, timerfd_cb, timer_.fd(), EV_READ);
  timer_watcher_.data = this;
  ev_io_start(loop_, &timer_watcher_);
  ev_io_init(&monitor_watcher_, monitor_cb, monitor_->fd(), EV_READ);
  monitor_watcher_.data = this;
  ev_io_start(loop_, &monitor_watcher_);
  ev_io_init(&solicit_watcher_, solicit_cb, solicitations_.fd(), EV_READ);
  solicit_watcher_.data = this;
  ev_io_start(loop_, &solicit_watcher_);
  const int signals[] = {SIGTERM, SIGINT, SIGHUP};
  for (int i = 0; i < 3; ++i) {
    ev_signal_init(&signals_[i], signal_cb, signals[i]);
    signals_[i].data = this;
    ev_signal_start(loop_, &signals_[i]);
  }
  signal(SIGPIPE, SIG_IGN);
  // Orphaned grandchildren of scripts become ours; the ProcessRunner reaps them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  ports_ = std::make_unique<KernelPorts>(
      table_, *kernel_, frames_,
      [this](const std::string& i, Family f) { return socket_for(i, f); });
  reconciler_ = std::make_unique<Reconciler>(*ports_, log_, [this] { send_due_adverts(); });
  control_ = std::make_unique<ControlServer>(
      loop_, log_, clock_,
      [this](const std::string& c, const nlohmann::json& a) { return control_reply(c, a); });
  const std::string sock = options_.control_socket.value_or(config_->global.control_socket);
  make_parent_dir(sock);
  if (auto r = control_->listen(control_transport_, sock, config_->global.control_group); !r)
    return r;

  runner_ = std::make_unique<ProcessRunner>(
      loop_, log_, clock_, processes_,
      ProcessRunner::Limits{static_cast<std::size_t>(config_->global.max_running_scripts),
                            ProcessRunner::kKillGrace});
  notifier_ = std::make_unique<Notifier>(*runner_, log_);
  tracking_ = std::make_unique<Tracking>(
      loop_, log_, *runner_,
      [this](const TrackerChange& change) { on_tracked(change); });
  if (tracking_->file_fd() >= 0) {
    ev_io_init(&files_watcher_, files_cb, tracking_->file_fd(), EV_READ);
    files_watcher_.data = this;
    ev_io_start(loop_, &files_watcher_);
  }
  files_retry_at_ = clock_.now() + kFilesRetryPeriod;
  deferred_ = std::make_unique<DeferredWork>(loop_, log_);

  ev_io_init(&loader_watcher_, loader_cb, loader_.fd(), EV_READ);
  loader_watcher_.data = this;
  ev_io_start(loop_, &loader_watcher_);

  LoadedConfig first;  // main() checked the config; this resolves the script users once more
  if (auto errors = runtime_checks(*unchecked_, &first.users, &first.keys); !errors.empty())
    return fail(errors.front().to_string());
  // Checked: the locations are not needed any more (a kilobyte per instance).
  for (auto& i : unchecked_->instances) config::forget_locations(i);
  first.config = std::move(unchecked_);
  first.plan = plan_reload({}, first.config->instances);
  apply_config(std::move(first));
  malloc_trim(0);  // parsing a big config leaves freed heap behind: give it back
  return Ok{};
}

void Daemon::shutdown() {
  close_doors();
  by_key_.clear();  // nothing is received from here on: the instances go
  for (auto& [key, s] : sockets_) s->by_vrid.fill(nullptr);
  by_path_.clear();
  users_.clear();
  for (auto& r : instances_) stop_instance(*r);  // Masters resign with priority 0 (SM-9)
  wait_for_notifiers();
  instances_.clear();
  notifier_.reset();
  runner_.reset();  // kills whatever is still running
  for (const auto& [name, parent] : vmacs_) {
    if (const auto* info = table_.find(name); info != nullptr) {
      if (auto r = kernel_->delete_link(info->link.ifindex); !r) log_.warning(r.error());
    }
  }
  vmacs_.clear();
  kernel_->restore_sysctls(sysctl_changes_);  // last change first
  sysctl_changes_.clear();
  for (auto& [key, s] : sockets_) ev_io_stop(loop_, &s->watcher);
  sockets_.clear();
  pid_file_.reset();
}

// Stopping, step one: nothing new may start. The control socket goes (a reload could start
// instances that add VIPs and are then destroyed without resigning), SIGHUP is ignored, checks
// stop, and the kernel monitor, VRRP sockets and timers are no longer watched (a netlink event
// would otherwise re-create VMACs and sockets on the way out). What remains on the loop: the
// signals and the notify scripts we wait for.
void Daemon::close_doors() {
  phase_ = Phase::kStopping;
  control_.reset();
  reload_waiters_.clear();  // their clients went with the control server
  ev_io_stop(loop_, &loader_watcher_);  // a load still running is joined by its port
  if (deferred_) deferred_->clear();
  ev_io_stop(loop_, &files_watcher_);
  tracking_.reset();
  ev_io_stop(loop_, &monitor_watcher_);
  ev_io_stop(loop_, &timer_watcher_);
  ev_io_stop(loop_, &solicit_watcher_);
  reconcile_at_.reset();
  files_retry_at_.reset();
  vmac_backoff_ = {};
  for (auto& [key, s] : sockets_) ev_io_stop(loop_, &s->watcher);
}

// notify_stop and friends get their notify_timeout to finish before floatd goes; a second
// SIGTERM or SIGINT stops the wait.
void Daemon::wait_for_notifiers() {
  const MonoTime until = clock_.now() + Microseconds{config_->global.notify_timeout};
  if (notifier_ && !notifier_->idle()) log_.info("waiting for notify scripts to finish");
  while (notifier_ && !notifier_->idle() && !stop_now_ && clock_.now() < until) {
    ev_run(loop_, EVRUN_ONCE);
  }
}

void Daemon::notify_systemd(const std::string& state) {
  if (auto error = notify_service_manager(state); !error.empty()) log_.warning(error);
}

void Daemon::start_instance(std::shared_ptr<const config::InstanceConfig> settings) {
  auto r = std::make_unique<Running>();
  r->daemon = this;
  r->instance = std::make_unique<Instance>(std::move(settings), *ports_, log_);
  const config::InstanceConfig& c = r->instance->config();
  r->instance->on_transition(
      [this](const Instance& i, const vrrp::StateChanged& c) { on_transition(i, c); });
  r->instance->on_path_change(
      [this](const Instance& i, const vrrp::PathChange& c) { on_path_change(i, c); });
  r->instance->on_stranger([this](const Instance& i, const Stranger& s) { on_stranger(i, s); });
  r->instance->on_lower_master(
      [this](const Instance& i, const vrrp::HeardLowerMaster& l) { on_lower_master(i, l); });
  set_path_auth(*r->instance);
  const MonoTime now = clock_.now();
  r->instance->update_interface(table_.find(c.interface), now);
  for (std::size_t p = 0; p < c.heartbeat_paths.size(); ++p) {
    r->instance->update_path(p + 1, table_.find(c.heartbeat_paths[p].interface), now);
  }
  r->instance->set_tracking(tracking_->evaluate(c, table_), now);  // init_fail, files: before start
  if (maintenance_.count(c.name) != 0) r->instance->set_maintenance(true, now);
  r->instance->start(now);
  rearm(*r);
  instances_.push_back(std::move(r));
}

void Daemon::stop_instance(Running& r) {
  unschedule(r);
  r.instance->stop(clock_.now());
  unschedule(r);  // a stopped instance has no deadline; this keeps that true
}

// The entry's node is kept (Running::node), not freed: rearm() puts it back.
void Daemon::unschedule(Running& r) {
  if (r.due) {
    auto node = deadlines_.extract({*r.due, &r});
    if (!node.empty()) r.node = std::move(node);
  }
  r.due.reset();
}

void Daemon::rearm(Running& r) {
  unschedule(r);
  r.due = r.instance->next_deadline();
  if (r.due) {
    if (r.node.empty()) {
      deadlines_.insert({*r.due, &r});
    } else {
      r.node.value() = {*r.due, &r};
      deadlines_.insert(std::move(r.node));
    }
  }
  arm_timerfd();
}

// A Backup's deadline is a takeover (Master_Down_Timer, preempt_delay): the timer is armed
// takeover_lead() early and on_timerfd() waits out the rest on the clock, watching the VRRP
// sockets, so that the kernel's wake-up latency (tens to hundreds of microseconds on a VM) is
// not added to the takeover. It costs at most that lead of CPU per takeover; a Master's
// periodic adverts are not treated so.
MonoTime Daemon::fire_time(MonoTime deadline, const Running& r) const {
  if (r.instance->machine().state() != State::kBackup) return deadline;
  return deadline - timer_.takeover_lead();
}

// The earliest of the instances' deadlines (as fire_time() wakes for them) and the
// housekeeping ones.
std::optional<MonoTime> Daemon::next_wake() const {
  std::optional<MonoTime> next;
  if (!deadlines_.empty()) next = fire_time(deadlines_.begin()->first, *deadlines_.begin()->second);
  for (const auto& at : {reconcile_at_, files_retry_at_, vmac_backoff_.next_deadline()}) {
    if (at && (!next || *at < *next)) next = at;
  }
  return next;
}

void Daemon::arm_timerfd() {
  const std::optional<MonoTime> next = next_wake();
  if (next == timerfd_at_) return;
  // A deadline that moved later (a Backup hearing its Master: every advert) keeps the timerfd
  // where it is: it fires early once, on_timerfd() finds nothing due and arms the real one.
  // One syscall per Master_Down_Interval instead of one per advert.
  if (next && timerfd_at_ && *timerfd_at_ < *next) return;
  timerfd_at_ = next;
  if (auto r = timer_.arm(next); !r) log_.error(r.error());
}

// Busy-waits until `deadline`; false as soon as a VRRP socket has a packet (it may be the
// advert that cancels the takeover: the loop reads it first, then the timerfd fires again).
bool Daemon::wait_out(MonoTime deadline) {
  std::vector<pollfd>& fds = socket_pollfds();
  while (clock_.now() < deadline) {
    if (poll(fds.data(), fds.size(), 0) > 0) return false;
  }
  return true;
}

// Runs every instance whose deadline has come, then arms the timerfd for the next one.
void Daemon::on_timerfd() {
  timer_.acknowledge();
  timerfd_at_.reset();
  const MonoTime woke = clock_.now();
  if (!deadlines_.empty()) {
    const auto& [first, r] = *deadlines_.begin();
    if (first > woke && fire_time(first, *r) <= woke && !wait_out(first)) {
      arm_timerfd();  // already due: fires again once the packet is handled
      return;
    }
  }
  // Adverts that arrived before a Backup's deadline count before it is judged. A Master's
  // periodic advert does not wait for that (one poll() per advert would cost a Master with
  // 200 instances at 0.1 s about half a percent of a CPU).
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= woke; ++it) {
    if (it->second->instance->machine().state() != State::kMaster) {
      drain_sockets();
      break;
    }
  }
  const MonoTime now = clock_.now();
  due_.clear();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    Running* r = deadlines_.begin()->second;
    r->node = deadlines_.extract(deadlines_.begin());
    r->due.reset();
    due_.push_back(r);
  }
  // All of them, whatever it costs: a Master's periodic advert must never wait behind other
  // work for a turn of the loop. (Running them for at most 1 ms a turn was tried for 250
  // Backups taking over at once, issue 15: at 1,000 instances at 0.1 s the timers then fell
  // behind the sockets' work and the Masters' adverts came up to 815 ms late.) The Masters
  // first: an advert costs microseconds, a takeover (its VIPs added, its gratuitous ARPs, its
  // event to every subscriber) a hundred or more. Between two of the others, the Masters whose
  // advert has come due since are served (send_due_adverts).
  for (Running*& r : due_) {
    if (r->instance->machine().state() != State::kMaster) continue;
    r->instance->tick(now);
    rearm(*r);
    r = nullptr;
  }
  for (Running* r : due_) {
    if (r == nullptr) continue;
    r->instance->tick(clock_.now());
    rearm(*r);
    send_due_adverts();
  }
  run_housekeeping(clock_.now());
  arm_timerfd();
}

// A yield point inside a long batch of work (issue 15): Masters whose periodic advert has
// come due while the batch runs send it now, between two of the batch's instances, not after
// all of them. 250 Backups taking over at once, or 250 instances whose link came back, cost
// 40-50 ms in one callback in the soak, and every other Master's advert waited that long.
// Only Masters: a Backup's deadline is a takeover, judged in on_timerfd() after the adverts
// that arrived before it are read; and not an instance the batch has yet to reach (pending).
// One clock read when nothing is due.
void Daemon::send_due_adverts() {
  if (yielding_ || deadlines_.empty()) return;
  const MonoTime now = clock_.now();
  if (deadlines_.begin()->first > now) return;
  due_masters_.clear();
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
    Running* r = it->second;
    if (!r->pending && r->instance->machine().state() == State::kMaster) due_masters_.push_back(r);
  }
  struct Nesting {
    bool& flag;
    explicit Nesting(bool& f) : flag(f) { flag = true; }
    ~Nesting() { flag = false; }
  } nesting(yielding_);
  for (Running* r : due_masters_) {
    unschedule(*r);
    r->instance->tick(now);
    rearm(*r);
  }
}

// Each step moves its own deadline on before it runs, so that one that throws is still tried
// again a period later (and the other still runs: each is its own exception boundary).
void Daemon::run_housekeeping(MonoTime now) {
  const auto vmac_retry = vmac_backoff_.next_deadline();
  // A VMAC retry is a reconcile too (on_reconcile_timer makes missing VMACs first): one run
  // when both are due.
  if ((reconcile_at_ && *reconcile_at_ <= now) || (vmac_retry && *vmac_retry <= now)) {
    reconcile_at_ = now + Reconciler::kPeriod;  // reconcile() sets the real one
    guarded(log_, "reconcile", [this] { on_reconcile_timer(); }, [this] { resync_deadlines(); });
  }
  if (files_retry_at_ && *files_retry_at_ <= now) {
    files_retry_at_ = now + kFilesRetryPeriod;
    guarded(log_, "track_file retry", [this] {
      if (tracking_) tracking_->retry_files();
    });
  }
}

// After an exception in a callback the deadlines may be half-updated (an instance taken off
// the list and not put back): derive them all again from the instances.
void Daemon::resync_deadlines() {
  deadlines_.clear();
  for (auto& r : instances_) {
    r->due.reset();
    r->node = {};
    rearm(*r);
  }
  timerfd_at_.reset();
  arm_timerfd();
}

void Daemon::timerfd_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  guarded(d->log_, "timer", [d] { d->on_timerfd(); }, [d] { d->resync_deadlines(); });
}

void Daemon::signal_cb(struct ev_loop* loop, ev_signal* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  guarded(d->log_, "signal", [&] { d->on_signal(loop, w->signum); }, [d] { d->resync_deadlines(); });
}

void Daemon::on_signal(struct ev_loop* loop, int signum) {
  if (signum == SIGHUP) {
    if (!running()) {
      log_.notice("SIGHUP ignored: floatd is stopping");
      return;
    }
    log_.info("SIGHUP: reloading " + options_.config);
    (void)request_reload(std::nullopt);  // logs the outcome either way
    return;
  }
  if (phase_ == Phase::kStopping) {
    log_.notice(std::string("signal ") + strsignal(signum) + " again: not waiting for notify scripts");
    stop_now_ = true;
    return;
  }
  log_.info(std::string("signal ") + strsignal(signum) + ": stopping");
  // The loop ends after this iteration's callbacks, which may still hold a reload (floatctl
  // or SIGHUP): it is refused from now on, as it will be once stop() has closed the doors.
  stop_requested_ = true;
  ev_break(loop, EVBREAK_ALL);
}

}  // namespace floatd::daemon
