#include "daemon/notifier.hpp"

#include "track/command.hpp"

namespace floatd::daemon {

std::string_view notify_kind_name(NotifyKind kind) {
  return kind == NotifyKind::kInstance ? "INSTANCE" : "GROUP";
}

std::string_view notify_state_name(NotifyState state) {
  switch (state) {
    case NotifyState::kMaster: return "MASTER";
    case NotifyState::kBackup: return "BACKUP";
    case NotifyState::kFault: return "FAULT";
    case NotifyState::kStop: return "STOP";
  }
  return "UNKNOWN";
}

NotifyState notify_state(State state) {
  switch (state) {
    case State::kMaster: return NotifyState::kMaster;
    case State::kBackup: return NotifyState::kBackup;
    case State::kFault: return NotifyState::kFault;
    case State::kInit: return NotifyState::kStop;
  }
  return NotifyState::kStop;
}

namespace {

const std::string& command_for(const config::NotifyConfig& commands, NotifyState state) {
  switch (state) {
    case NotifyState::kMaster: return commands.master;
    case NotifyState::kBackup: return commands.backup;
    case NotifyState::kFault: return commands.fault;
    case NotifyState::kStop: return commands.stop;
  }
  return commands.stop;
}

}  // namespace

void Notifier::notify(NotifyKind about, const std::string& name,
                      const config::NotifyConfig& commands, NotifyState to,
                      std::optional<int> priority) {
  const std::string& specific = command_for(commands, to);
  if (specific.empty() && commands.any.empty()) return;  // nothing to run: no queue kept
  const std::string kind(notify_kind_name(about));
  const std::string state(notify_state_name(to));
  const std::string key = kind + " " + name;
  std::vector<std::string> env = {"FLOATD_TYPE=" + kind, "FLOATD_NAME=" + name,
                                  "FLOATD_STATE=" + state};
  if (priority) env.push_back("FLOATD_PRIORITY=" + std::to_string(*priority));
  auto& q = queues_[key];
  if (!specific.empty()) q.jobs.push_back({specific, env});
  if (!commands.any.empty()) {
    // keepalived's arguments, appended: names are [A-Za-z0-9_.-], nothing to quote.
    std::string line = commands.any + " " + kind + " " + name + " " + state;
    if (priority) line += " " + std::to_string(*priority);
    q.jobs.push_back({line, env});
  }
  if (!q.running) next(key);
}

void Notifier::notify_lower_master(const std::string& name, const config::NotifyConfig& commands,
                                   int priority, const std::string& lower_master,
                                   int lower_priority) {
  if (commands.master_rx_lower_pri.empty()) return;
  const std::string kind(notify_kind_name(NotifyKind::kInstance));
  const std::string key = kind + " " + name;
  auto& q = queues_[key];  // in order with the instance's transitions' commands
  q.jobs.push_back({commands.master_rx_lower_pri,
                    {"FLOATD_TYPE=" + kind, "FLOATD_NAME=" + name,
                     "FLOATD_STATE=MASTER_RX_LOWER_PRI",
                     "FLOATD_PRIORITY=" + std::to_string(priority),
                     "FLOATD_LOWER_MASTER=" + lower_master,
                     "FLOATD_LOWER_PRIORITY=" + std::to_string(lower_priority)}});
  if (!q.running) next(key);
}

void Notifier::next(const std::string& key) {
  auto& q = queues_[key];
  while (!q.jobs.empty()) {
    Job job = std::move(q.jobs.front());
    q.jobs.pop_front();
    auto cmd = track::parse_command(job.line);
    if (!cmd) {
      log_.error(key + ": notify command " + job.line + ": " + cmd.error());
      continue;
    }
    auto done = [this, key, line = job.line](const track::ProcessResult& r) {
      if (r.outcome != track::Outcome::kSuccess) {
        log_.warning(key + ": notify " + line + ": " + track::to_string(r.outcome) +
                     (r.error.empty() ? "" : ": " + r.error));
      }
      queues_[key].running = false;
      next(key);
    };
    auto id = runner_.start(*cmd, run_as_, timeout_, job.env, done);
    if (id) {
      q.running = true;
      return;
    }
    log_.error(key + ": notify " + job.line + " could not start: " + id.error());
  }
  queues_.erase(key);  // idle and empty: a queue exists only while it has work
}

bool Notifier::idle() const {
  for (const auto& [key, q] : queues_) {
    if (q.running || !q.jobs.empty()) return false;
  }
  return true;
}

}  // namespace floatd::daemon
