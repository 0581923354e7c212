// Tracking at run time: runs every [script] the instances track on its interval, watches every
// [track_file], and evaluates an instance's effective priority and faults from them and from
// its tracked interfaces (track/priority.hpp has the policy).
//
// A script whose check fails `fall` times in a row first gets its `recover` command, up to
// `recover_attempts` rounds of recover-then-check, and only then counts as failed: local
// recovery before failover, as commercial HA products do. A timeout counts as a failure.
#pragma once

#include <ev.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "daemon/interface_table.hpp"
#include "daemon/process_runner.hpp"
#include "daemon/runtime_checks.hpp"
#include "daemon/tracking_report.hpp"
#include "track/file_watch.hpp"
#include "track/priority.hpp"
#include "track/rise_fall.hpp"

namespace floatd::daemon {

class Tracking {
 public:
  // Called when a script or track file changes state (tracking_report.hpp). The daemon then
  // re-evaluates instances.
  using Changed = std::function<void(const TrackerChange& change)>;

  Tracking(struct ev_loop* loop, Log& log, ProcessRunner& runner, Changed changed);
  ~Tracking();
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  // Starts what `config` needs and stops what it no longer does. A script or file whose
  // section did not change keeps its state and schedule (a reload must not reset a failed
  // check to OK and move the VIP).
  void configure(const config::Config& config);

  // Who each script runs as, resolved when the config was loaded (runtime_checks()); call it
  // with configure() at start and at every reload. Scripts look their user up here, never NSS.
  void set_script_users(ScriptUsers users) { users_ = std::move(users); }

  track::PriorityResult evaluate(const config::InstanceConfig& instance,
                                 const InterfaceTable& interfaces) const;

  int file_fd() const;  // inotify: readable when a track file may have changed
  void on_files();
  // For a slow timer: re-adds any directory watch that is missing or stale and re-reads every
  // track file, so that a lost inotify event costs at most one period.
  void retry_files();

  // Every script and file as it is now: for floatctl status (status.hpp) and metrics.
  TrackingSnapshot snapshot() const;

 private:
  struct Script;
  struct File;
  static void script_timer_cb(struct ev_loop*, ev_timer* w, int) noexcept;
  void run_check(Script& s);
  void run_recover(Script& s);
  void on_check(Script& s, const track::ProcessResult& r);
  void reread(File& f);

  struct ev_loop* loop_;
  Log& log_;
  ProcessRunner& runner_;
  Changed changed_;
  ScriptUsers users_;
  std::unique_ptr<track::FileWatch> watch_;
  std::map<std::string, std::unique_ptr<Script>> scripts_;
  std::map<std::string, std::unique_ptr<File>> files_;
};

}  // namespace floatd::daemon
