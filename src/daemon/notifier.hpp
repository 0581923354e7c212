// Notify commands (notify_master, notify_backup, notify_fault, notify_stop, notify) run one at
// a time per instance or group, in the order the transitions happened, each killed at
// notify_timeout. keepalived runs them in parallel, so its users see MASTER before BACKUP.
//
// The generic `notify` gets keepalived's arguments appended: INSTANCE NAME STATE PRIORITY, or
// GROUP NAME STATE, so existing keepalived scripts work unchanged.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/notify_config.hpp"
#include "daemon/process_runner.hpp"
#include "track/spawn.hpp"
#include "floatd/log.hpp"
#include "floatd/types.hpp"

namespace floatd::daemon {

// What a notify command is about: keepalived's first argument to `notify` (INSTANCE, GROUP).
enum class NotifyKind { kInstance, kGroup };
// The state a notify command announces. STOP is an instance stopping (its machine back in
// INIT); a group never reports it.
enum class NotifyState { kMaster, kBackup, kFault, kStop };

// "INSTANCE", "GROUP": in FLOATD_TYPE and `notify`'s arguments.
std::string_view notify_kind_name(NotifyKind kind);
// "MASTER", "BACKUP", "FAULT", "STOP": in FLOATD_STATE and `notify`'s arguments.
std::string_view notify_state_name(NotifyState state);
// The state a machine's state is announced as: INIT is STOP.
NotifyState notify_state(State state);

class Notifier {
 public:
  Notifier(ProcessRunner& runner, Log& log) : runner_(runner), log_(log) {}

  // `run_as` was resolved when the config was loaded (runtime_checks()): no NSS here.
  void configure(track::RunAs run_as, Microseconds timeout) {
    run_as_ = std::move(run_as);
    timeout_ = timeout;
  }

  // Queues what `commands` says for `state` of the instance or group `name`.
  // The priority is appended to `notify`'s arguments when given (instances, not groups).
  void notify(NotifyKind kind, const std::string& name, const config::NotifyConfig& commands,
              NotifyState state, std::optional<int> priority);

  // Queues the instance's notify_master_rx_lower_pri (if set): as written, keepalived's way,
  // with FLOATD_STATE=MASTER_RX_LOWER_PRI and the lower Master in FLOATD_LOWER_MASTER and
  // FLOATD_LOWER_PRIORITY. Not the generic `notify`: its scripts know three states.
  void notify_lower_master(const std::string& name, const config::NotifyConfig& commands,
                           int priority, const std::string& lower_master, int lower_priority);

  bool idle() const;

 private:
  struct Job {
    std::string line;
    std::vector<std::string> env;
  };
  struct Queue {
    std::deque<Job> jobs;
    bool running = false;
  };
  void next(const std::string& key);

  ProcessRunner& runner_;
  Log& log_;
  track::RunAs run_as_;
  Microseconds timeout_{30'000'000};
  std::map<std::string, Queue> queues_;
};

}  // namespace floatd::daemon
