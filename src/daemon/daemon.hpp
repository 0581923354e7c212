// The daemon: one libev loop that wires the kernel (sockets, netlink, link monitor) to the
// instances. The only place that owns watchers; everything it calls runs on the loop's thread,
// but for a reload's load and checks, which the ConfigLoader port runs elsewhere
// (config_loader.hpp) on nothing of the daemon's but a snapshot of its config.
//
// Start: open netlink and packet sockets, learn interfaces, remove stale VIPs left by a
// crashed floatd (IFA_PROTO mark), create VMACs, open one VRRP socket per (interface,
// family), start every instance. Stop (SIGTERM/SIGINT): every Master resigns with priority
// 0 and removes its VIPs, VMACs go. SIGHUP: reload (daemon_reload.cpp); a bad config changes
// nothing.
#pragma once

#include <ev.h>
#include <poll.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/control_command.hpp"
#include "daemon/control_server.hpp"
#include "daemon/deferred_work.hpp"
#include "daemon/loop_meter.hpp"
#include "daemon/instance.hpp"
#include "daemon/interface_table.hpp"
#include "daemon/interface_users.hpp"
#include "daemon/kernel_ports.hpp"
#include "daemon/notifier.hpp"
#include "daemon/options.hpp"
#include "daemon/pid_file.hpp"
#include "daemon/process_runner.hpp"
#include "daemon/reconciler.hpp"
#include "daemon/scheduling.hpp"
#include "daemon/status_writer.hpp"
#include "daemon/tracking.hpp"
#include "daemon/daemon_ports.hpp"
#include "net/sysctl.hpp"

namespace floatd::daemon {

// Where the daemon is in its life. Each handler knows: starting builds, running serves,
// stopping has closed the doors (control socket, SIGHUP, tracking, the kernel monitor) before
// it waits for anything, so nothing can start an instance that would then die without
// resigning (issue 10, defect 7).
enum class Phase : std::uint8_t { kStarting, kRunning, kStopping };

class Daemon {
 public:
  // `clock` is the only source of the time (tests pass a fake one).
  // `ports` must outlive the Daemon. The clock in them is the only source of the time.
  Daemon(Options options, config::Config config, Log& log, DaemonPorts ports);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // start(), the loop until SIGTERM/SIGINT, stop(). Returns the process exit code.
  int run();

  // The pieces of run(), for tests that drive the loop themselves (loop()).
  Result<Ok> start();  // on error, stop() has already run
  void stop();         // closes the doors, stops every instance, waits for notify scripts
  struct ev_loop* loop() const { return loop_; }
  Phase phase() const { return phase_; }
  // Running and not about to stop: false too once SIGTERM/SIGINT has ended the loop but
  // stop() has not run yet. Only then may a reload start anything.
  bool running() const { return phase_ == Phase::kRunning && !stop_requested_; }
  // What SIGHUP and SIGTERM/SIGINT do.
  void on_signal(struct ev_loop* loop, int signum);
  // One control command, as the control socket delivers it (floatctl).
  Result<nlohmann::json> control(const std::string& command, const nlohmann::json& args);
  // Instances re-evaluated (interface, paths, tracking) after kernel events: a netlink batch
  // touches only the instances on the interfaces it names (issue 14: O(affected), not O(all)).
  std::uint64_t instance_updates() const { return instance_updates_; }
  // The same as the control socket sends it: a status written in steps (status_writer.hpp).
  Result<ControlReply> control_reply(const std::string& command, const nlohmann::json& args);

 private:
  struct Running;  // an instance and its timer
  struct Socket;   // a VRRP socket and its watcher
  using Deadlines = std::set<std::pair<MonoTime, Running*>>;

  Result<Ok> init();
  void shutdown();
  void close_doors();      // the first step of stopping
  void wait_for_notifiers();
  void resync_deadlines();  // re-derives every deadline from the instances (after an error)
  // Reloads (daemon_reload.cpp): SIGHUP, or floatctl reload with its deferred reply `waiter`.
  Result<Ok> request_reload(std::optional<std::uint64_t> waiter);
  void start_load();
  void on_loaded();  // the loader's descriptor: apply the outcome, or refuse it
  void finish_reload(const Result<nlohmann::json>& outcome);  // answers the waiters, READY=1
  void apply_config(LoadedConfig next);
  void notify_systemd(const std::string& state);  // sd_notify(3); logs a failure
  void remove_stale_vmacs();
  void remove_stale_vips(const std::vector<net::NetlinkEvent>& dump);
  // `only`: these instances (indices into instances_ and config_->instances, which apply_config
  // keeps aligned), after a netlink batch; nullptr: every one.
  using Only = const std::vector<std::size_t>*;
  bool ensure_vmacs(Only only = nullptr);
  bool ensure_vmac(const config::InstanceConfig& c, MonoTime now);
  void repair_links(MonoTime now);
  void ensure_sockets(Only only = nullptr);
  void close_unused();
  void start_instance(std::shared_ptr<const config::InstanceConfig> settings);
  void stop_instance(Running& r);
  void update_interfaces(MonoTime now, Only only = nullptr);
  // Runs `update` on each instance of `only` (nullptr: every one) and, between two, the due
  // Masters' adverts (send_due_adverts); those the batch has not reached yet are pending.
  template <typename Update>
  void update_each(Only only, Update&& update);
  void index_instances();
  void on_transition(const Instance& instance, const vrrp::StateChanged& change);
  void on_path_change(const Instance& instance, const vrrp::PathChange& change);
  void on_lower_master(const Instance& instance, const vrrp::HeardLowerMaster& lower);
  void on_stranger(const Instance& instance, const Stranger& stranger);
  void set_path_auth(Instance& instance);
  void on_tracked(const TrackerChange& change);
  void apply_tracking(Running& r, MonoTime now);
  void follow_group(const Instance& moved, const vrrp::StateChanged& change);
  void publish(nlohmann::json event);
  std::vector<const Instance*> instance_list() const;  // for status and metrics
  TrackingSnapshot tracking_snapshot() const;

  void on_monitor();
  void read_monitor(bool everything);
  void resync_table();  // after an overrun: the stale queue dropped, then a dump
  std::set<std::string> apply_events(const std::vector<net::NetlinkEvent>& events);
  void reconcile(MonoTime now, const ReconcileScope* scope = nullptr);  // daemon_kernel.cpp
  void reconcile_soon();
  bool reconcile_due() const;
  void on_reconcile_timer();
  // Reads `socket`'s adverts; from the loop's watcher, only until `until` (drain: all).
  void on_socket(Socket& socket, std::optional<MonoTime> until = std::nullopt);
  void on_timerfd();
  void send_due_adverts();  // a yield point between the instances of a long batch
  void arm_timerfd();
  void unschedule(Running& r);
  void rearm(Running& r);
  void index_socket(Socket& s) const;  // its by_vrid, from by_key_
  Running* running_named(const std::string& name);
  // The control commands (daemon_events.cpp), once parsed (control_command.hpp).
  Result<nlohmann::json> serve(const StatusCommand& c);
  std::unique_ptr<StatusWriter> status_writer(const StatusCommand& c) const;
  nlohmann::json loop_status() const;
  Result<nlohmann::json> serve(const VersionCommand& c);
  Result<nlohmann::json> serve(const EventsCommand& c);
  Result<nlohmann::json> serve(const ReloadCommand& c);
  Result<nlohmann::json> serve(const MetricsCommand& c);
  Result<nlohmann::json> serve(const HandoverCommand& c);
  Result<nlohmann::json> serve(const MaintenanceCommand& c);
  AdvertSocket* socket_for(const std::string& interface, Family family);
  void ensure_socket(const std::string& device, Family family);

  static void monitor_cb(struct ev_loop*, ev_io* w, int) noexcept;
  static void socket_cb(struct ev_loop*, ev_io* w, int) noexcept;
  static void timerfd_cb(struct ev_loop*, ev_io* w, int) noexcept;
  static void signal_cb(struct ev_loop*, ev_signal* w, int) noexcept;
  static void files_cb(struct ev_loop*, ev_io* w, int) noexcept;
  static void solicit_cb(struct ev_loop*, ev_io* w, int) noexcept;
  static void loader_cb(struct ev_loop*, ev_io* w, int) noexcept;
  void on_solicitations();       // daemon_kernel.cpp
  void join_all_routers(Only only = nullptr);  // ff02::2 on each send_ra instance's device

  Options options_;
  // The running config. Replaced by a reload, never changed in place: a load on the loader's
  // thread plans against it as a snapshot (config_loader.hpp).
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<config::Config> unchecked_;  // the startup config until init() checked it
  Log& log_;
  const Clock& clock_;
  KernelWriter* kernel_;   // the ports (daemon_ports.hpp)
  KernelReader* monitor_;
  AdvertTransport& vrrp_;
  FrameSender& frames_;
  SolicitationSocket& solicitations_;
  ev_io solicit_watcher_{};
  std::set<int> all_routers_joined_;  // ifindexes (a re-created device gets a new one)
  WakeTimer& timer_;
  ControlTransport& control_transport_;
  ProcessLauncher& processes_;
  ConfigLoader& loader_;
  ev_io loader_watcher_{};
  // One load at a time. A reload asked for while one loads supersedes it: its outcome is
  // dropped and the files are loaded again, so the newest file wins and every floatctl reload
  // is answered by a load that started after it asked.
  bool loading_ = false;
  bool load_again_ = false;
  std::vector<std::uint64_t> reload_waiters_;  // floatctl reloads' deferred replies
  Phase phase_ = Phase::kStarting;
  bool stop_requested_ = false;  // SIGTERM/SIGINT seen: the loop ends, stop() follows
  bool stop_now_ = false;  // a second SIGTERM: stop without waiting for notify scripts
  std::optional<PidFile> pid_file_;
  struct ev_loop* loop_;
  InterfaceTable table_;
  std::unique_ptr<KernelPorts> ports_;  // the instances' ports, over the daemon's
  std::unique_ptr<Reconciler> reconciler_;  // wanted addresses vs the kernel's (defect 6)
  std::optional<MonoTime> reconcile_at_;     // its next retry or periodic check
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<ProcessRunner> runner_;
  std::unique_ptr<Tracking> tracking_;
  std::unique_ptr<Notifier> notifier_;
  Scheduling scheduling_;
  std::map<std::string, State> group_states_;     // sync group -> state last notified
  std::set<std::string> maintenance_;              // instances held by floatctl maintenance
  nlohmann::json last_reload_;                     // what the last apply_config() did
  std::unique_ptr<DeferredWork> deferred_;        // run at the next loop iteration, in order
  std::unique_ptr<LoopMeter> loop_meter_;         // how long the loop's batches of work run
  ev_io files_watcher_{};
  // Tracking::retry_files() every kFilesRetryPeriod: watches that could not be set (a missing
  // directory, the inotify limit) are tried again and every track file is re-read, so a lost
  // or unwatched change (a write without close) costs at most one period. The reconciler's
  // period: the same promise (level, not edge) for track files as for the kernel's addresses;
  // a re-read is an open and a 4 KiB read per file, cheap at any period, and a track file is
  // a slow lever (maintenance, drain), so seconds are soon enough.
  static constexpr Microseconds kFilesRetryPeriod = Reconciler::kPeriod;
  std::optional<MonoTime> files_retry_at_;
  std::map<std::pair<std::string, Family>, std::unique_ptr<Socket>> sockets_;
  std::vector<std::unique_ptr<Running>> instances_;
  // (device, family, VRID) -> instance: the receive path's lookup, one per packet. Rebuilt by
  // index_instances() whenever instances_ changes (apply_config, shutdown).
  std::map<std::tuple<std::string, Family, Vrid>, Running*> by_key_;
  // The same for heartbeat paths: (path interface, family, VRID) -> instance and path index.
  std::map<std::tuple<std::string, Family, Vrid>, std::pair<Running*, std::size_t>> by_path_;
  InterfaceUsers users_;  // device -> the instances that care (rebuilt with by_key_)
  std::uint64_t instance_updates_ = 0;
  PathKeys path_keys_;  // heartbeat_key files, read at load (runtime_checks)
  // The first half of heartbeat sequence numbers (vrrp::SequenceCounter): the wall clock's
  // seconds when floatd started, so that they keep rising across restarts.
  std::uint32_t sequence_epoch_ = 0;
  std::map<std::string, std::string> vmacs_;         // VMAC name -> parent, created by us
  Backoff<std::string> vmac_backoff_;                // VMACs whose create failed: retries
  std::vector<net::SysctlChange> sysctl_changes_;    // restored on exit
  ev_io monitor_watcher_{};
  // Every instance's next deadline, earliest first, behind one CLOCK_MONOTONIC timerfd armed
  // at an absolute time: microsecond deadlines (libev's epoll timeouts round up to whole
  // milliseconds) and one descriptor however many instances there are. The housekeeping
  // deadlines (reconcile_at_, files_retry_at_) share it, so every time the daemon keeps is on
  // the Clock and WakeTimer ports and a fake clock drives them all in tests.
  static constexpr std::size_t kBatch = 16;  // packets per receive() call: one recvmmsg()
  // Reading a socket from its watcher starts no new batch after this long (on_socket()).
  static constexpr Microseconds kReceivePerTurn{1000};
  void drain_sockets();
  std::vector<pollfd>& socket_pollfds();  // POLLIN on every VRRP socket, map order
  std::size_t receive_batch(Socket& s);
  MonoTime fire_time(MonoTime deadline, const Running& r) const;
  std::optional<MonoTime> next_wake() const;  // what the timerfd is armed for
  void run_housekeeping(MonoTime now);  // reconcile_at_, files_retry_at_, VMAC retries, when due
  bool wait_out(MonoTime deadline);
  Deadlines deadlines_;
  // Reused by every wake-up (capacity kept): the steady state allocates nothing (issue 14).
  std::vector<Running*> due_;         // on_timerfd()'s instances whose deadline has come
  std::vector<Running*> due_masters_;  // send_due_adverts()'s
  bool yielding_ = false;              // inside send_due_adverts(): no nesting
  std::vector<pollfd> pollfds_;       // socket_pollfds()'s
  std::optional<MonoTime> timerfd_at_;
  ev_io timer_watcher_{};
  ev_signal signals_[3]{};
  std::uint64_t unknown_vrid_drops_ = 0;
  std::uint64_t decode_drops_unattributed_ = 0;
  RateLimiter unknown_log_{5, std::chrono::seconds{10}};
  int exit_code_ = 0;
};

}  // namespace floatd::daemon
