// The daemon's event side: transitions (events, notify, sync groups), tracking results and
// priorities, and the control commands.
#include <time.h>

#include <cstdio>
#include <algorithm>
#include <string>
#include <variant>

#include "daemon/callback_guard.hpp"
#include "daemon/daemon_parts.hpp"
#include "daemon/metrics.hpp"
#include "daemon/status.hpp"
#include "daemon/status_writer.hpp"
#include "daemon/sync_group.hpp"

namespace floatd::daemon {

// Every transition: an event for `floatctl events`.
void Daemon::on_transition(const Instance& instance, const vrrp::StateChanged& change) {
  publish({{"type", "transition"},
           {"instance", instance.name()},
           {"from", state_name(change.from)},
           {"to", state_name(change.to)},
           {"reason", vrrp::reason_text(change.reason)},
           {"detail", change.detail},
           {"priority", instance.machine().effective_priority()},
           {"text", instance.name() + ": " + vrrp::transition_text(change)}});
  const auto& c = instance.config();
  notifier_->notify(NotifyKind::kInstance, c.name, c.notify, notify_state(change.to),
                    instance.machine().effective_priority());
  // The kernel's side of the transition (VIPs added or removed) is checked now, not at the
  // next periodic check: an add the kernel refused is retried on the backoff from here.
  reconcile_soon();
  if (config_->group_of(c.name) != nullptr) {
    const std::string name = c.name;
    const vrrp::StateChanged copy = change;
    // After this instance's actions have run: members must not re-enter each other.
    deferred_->defer("sync group " + config_->group_of(c.name)->name, [this, name, copy] {
      for (const auto& r : instances_) {
        if (r->instance->name() == name) follow_group(*r->instance, copy);
      }
    });
  }
}

// Heartbeat paths (issue 11): a path that went silent or down, or came back.
void Daemon::on_path_change(const Instance& instance, const vrrp::PathChange& change) {
  publish({{"type", change.alarm() ? "path_down" : "path_up"},
           {"instance", instance.name()},
           {"path", instance.paths().interface(change.path)},
           {"state", path_state_shown(change.to, instance.machine().state() == State::kMaster)},
           {"reason", change.reason},
           {"text", instance.name() + ": " + change.reason}});
}

// A Master heard a lower-priority Master (SM-13), at most once per Master_Down_Interval:
// keepalived's notify_master_rx_lower_pri, and an event, so that a cloud's API call moving the
// address is made again (issue 12).
void Daemon::on_lower_master(const Instance& instance, const vrrp::HeardLowerMaster& lower) {
  const std::string from = lower.source.to_string();
  const int priority = instance.machine().effective_priority();
  publish({{"type", "master_rx_lower_pri"},
           {"instance", instance.name()},
           {"source", from},
           {"source_priority", lower.priority},
           {"priority", priority},
           {"text", instance.name() + ": heard a lower-priority Master, " + from + " (priority " +
                        std::to_string(lower.priority) + ")"}});
  notifier_->notify_lower_master(instance.name(), instance.config().notify, priority, from,
                                 lower.priority);
}

// strict_peers refused an advert: another virtual router on our VRID (instance.hpp).
void Daemon::on_stranger(const Instance& instance, const Stranger& stranger) {
  publish({{"type", "stranger"},
           {"instance", instance.name()},
           {"source", stranger.source.to_string()},
           {"reason", vrrp::drop_reason_name(stranger.reason)},  // "stranger", "address_list"
           {"count", stranger.count},
           {"text", instance.name() + ": refused adverts from " + stranger.source.to_string() +
                        ": " + std::string(vrrp::drop_reason_text(stranger.reason))}});
}

// The instance's heartbeat_key, as read at load (runtime_checks), or none.
void Daemon::set_path_auth(Instance& instance) {
  const std::string& file = instance.config().heartbeat_key;
  auto it = file.empty() ? path_keys_.end() : path_keys_.find(file);
  if (it == path_keys_.end()) {
    instance.set_path_auth(std::nullopt);
  } else {
    instance.set_path_auth(PathAuth{it->second, sequence_epoch_});
  }
}

// Sync groups: the other members follow `moved` (sync_group.hpp has the rules).
void Daemon::follow_group(const Instance& moved, const vrrp::StateChanged& change) {
  const auto* group = config_->group_of(moved.name());
  if (group == nullptr) return;
  std::vector<GroupMember> members;
  std::map<std::string, Running*> by_name;
  for (const auto& m : group->members) {
    for (auto& r : instances_) {
      if (r->instance->name() != m.name) continue;
      members.push_back({m.name, r->instance->machine().state(), r->instance->own_fault()});
      by_name[m.name] = r.get();
    }
  }
  const MonoTime now = clock_.now();
  const GroupOrders orders = group_orders(group->name, members, moved.name(), change.from, change.to);
  const std::string why = "member " + moved.name() + " became " + std::string(state_name(change.to));
  for (auto& [name, r] : by_name) {
    r->instance->set_fault(FaultSource::kSyncGroup, name == orders.fault_owner ? std::nullopt : orders.fault, now);
  }
  for (const auto& n : orders.to_master) by_name[n]->instance->group_transition(true, why, now);
  for (const auto& n : orders.to_backup) by_name[n]->instance->group_transition(false, why, now);
  for (auto& [name, r] : by_name) rearm(*r);
  // Group-level notify when the group's state changes.
  for (auto& m : members) m.state = by_name[m.name]->instance->machine().state();
  const State now_state = group_state(members);
  auto [it, inserted] = group_states_.try_emplace(group->name, State::kInit);
  if (it->second == now_state) return;
  it->second = now_state;
  if (now_state == State::kInit) return;
  log_.info("sync group " + group->name + ": " + std::string(state_name(now_state)));
  notifier_->notify(NotifyKind::kGroup, group->name, group->notify, notify_state(now_state), std::nullopt);
}

void Daemon::publish(nlohmann::json event) {
  if (!control_ || control_->subscribers() == 0) return;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  localtime_r(&ts.tv_sec, &t);
  char stamp[16];
  strftime(stamp, sizeof stamp, "%H:%M:%S", &t);
  char ms[24];
  std::snprintf(ms, sizeof ms, ".%03ld", ts.tv_nsec / 1'000'000);
  event["time"] = std::string(stamp) + ms;
  control_->broadcast(event);
}

void Daemon::apply_tracking(Running& r, MonoTime now) {
  const Priority before = r.instance->machine().effective_priority();
  const auto result = tracking_->evaluate(r.instance->config(), table_);
  r.instance->set_tracking(result, now);
  const Priority after = r.instance->machine().effective_priority();
  if (after == before) return;
  const std::string text = r.instance->name() + ": priority " + std::to_string(before) + " -> " +
                           std::to_string(after);
  log_.notice(r.instance->log_prefix() + ": priority " + std::to_string(before) + " -> " +
              std::to_string(after));
  publish({{"type", "priority"}, {"instance", r.instance->name()}, {"from", before}, {"to", after},
           {"text", text}});
}

// A script or file changed: log and publish, then re-evaluate every instance. A check that 100
// instances track is 100 transitions (VIPs removed on Fault): update_each() lets due Masters
// advertise between two.
void Daemon::on_tracked(const TrackerChange& change) {
  const TrackerText t = tracker_text(change);
  publish({{"type", "tracker"}, {"what", t.what}, {"state", t.state}, {"detail", t.detail},
           {"text", t.what + ": " + t.state + (t.detail.empty() ? "" : " (" + t.detail + ")")}});
  deferred_->defer("tracking", [this] {
    const MonoTime now = clock_.now();
    update_each(nullptr, [&](Running& r) {
      apply_tracking(r, now);
      rearm(r);
    });
  });
}

void Daemon::files_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  guarded(d->log_, "track_file", [d] { d->tracking_->on_files(); });
}

std::vector<const Instance*> Daemon::instance_list() const {
  std::vector<const Instance*> list;
  list.reserve(instances_.size());
  for (const auto& r : instances_) list.push_back(r->instance.get());
  return list;
}

// The trackers and the process runner's slots, as status and metrics show them.
TrackingSnapshot Daemon::tracking_snapshot() const {
  auto tracking = tracking_->snapshot();
  tracking.processes = {runner_->running(), runner_->queued(),
                        static_cast<std::size_t>(config_->global.max_running_scripts)};
  return tracking;
}

// A control request: parsed into its command once (control_command.hpp), then served.
Result<nlohmann::json> Daemon::control(const std::string& command, const nlohmann::json& args) {
  if (phase_ != Phase::kRunning) return fail(std::string("floatd is stopping"));
  auto parsed = parse_control_command(command, args);
  if (!parsed) return fail(parsed.error());
  return std::visit([this](const auto& c) { return serve(c); }, *parsed);
}

// The status goes to the socket from a writer the control server runs a step per turn of the
// loop (status_writer.hpp); control() gives tests and the other callers the same text parsed.
Result<ControlReply> Daemon::control_reply(const std::string& command, const nlohmann::json& args) {
  if (command == "status" && phase_ == Phase::kRunning) {
    auto parsed = parse_control_command(command, args);
    if (parsed) return ControlReply::written(status_writer(std::get<StatusCommand>(*parsed)));
  }
  auto result = control(command, args);
  if (!result) return fail(result.error());
  return ControlReply(std::move(*result));
}

// Reads the daemon only from inside write_some(), which the control server calls while it and
// so the daemon's instances, trackers and process runner exist (close_doors() ends it first).
std::unique_ptr<StatusWriter> Daemon::status_writer(const StatusCommand& c) const {
  StatusWriter::Source source{
      [this] { return instance_list(); }, [this] { return clock_.now(); },
      [this] {
        const ControlStats control = control_ ? control_->stats() : ControlStats{};
        return nlohmann::json{{"unknown_vrid_drops", unknown_vrid_drops_},
                              {"undecodable_drops", decode_drops_unattributed_},
                              {"control", {{"clients", control.clients},
                                           {"subscribers", control.subscribers},
                                           {"evicted", control.evicted},
                                           {"refused", control.refused},
                                           {"shed", control.shed}}},
                              {"loop", loop_status()},
                              {"tracking", tracking_status(tracking_snapshot())}};
      }};
  return std::make_unique<StatusWriter>(std::move(source), c.name);
}

// The status's "loop" member (loop_meter.hpp): batches of work over 5 ms, and the longest.
nlohmann::json Daemon::loop_status() const {
  const LoopStats loop = loop_meter_ ? loop_meter_->stats() : LoopStats{};
  return nlohmann::json{{"slow_batches", loop.slow},
                        {"longest_batch_ms", static_cast<double>(loop.longest.count()) / 1000.0}};
}

Result<nlohmann::json> Daemon::serve(const StatusCommand& c) {
  std::string text;
  const auto writer = status_writer(c);
  while (!writer->write_some(text)) {
  }
  return nlohmann::json::parse(text);
}

Result<nlohmann::json> Daemon::serve(const VersionCommand&) {
  return nlohmann::json{{"version", FLOATD_VERSION}};
}

Result<nlohmann::json> Daemon::serve(const EventsCommand&) {
  return nlohmann::json{{"subscribed", true}};  // the server marks the client; see publish()
}

// Answered once the new config is applied or refused (daemon_reload.cpp), by a deferred reply;
// a caller that is not the control server (a test) hears only that the reload started.
Result<nlohmann::json> Daemon::serve(const ReloadCommand&) {
  if (!running()) return fail(std::string("floatd is stopping: no reload"));
  const auto waiter = control_ ? control_->defer() : std::nullopt;
  if (auto r = request_reload(waiter); !r) return fail(r.error());
  return nlohmann::json{{"reload", "started"}};
}

Result<nlohmann::json> Daemon::serve(const MetricsCommand&) {
  return nlohmann::json{
      {"text", metrics_text(instance_list(), tracking_snapshot(),
                            {unknown_vrid_drops_, control_ ? control_->stats() : ControlStats{},
                             loop_meter_ ? loop_meter_->stats() : LoopStats{}})}};
}

Result<nlohmann::json> Daemon::serve(const HandoverCommand& c) {
  Running* r = running_named(c.name);
  if (r == nullptr) return fail("no instance named '" + c.name + "'");
  if (r->instance->machine().state() != State::kMaster) {
    return fail(r->instance->name() + " is " +
                std::string(state_name(r->instance->machine().state())) +
                ", not MASTER: nothing to hand over");
  }
  r->instance->handover(clock_.now());
  rearm(*r);
  return instance_status(*r->instance, clock_.now());
}

Result<nlohmann::json> Daemon::serve(const MaintenanceCommand& c) {
  Running* r = running_named(c.name);
  if (r == nullptr) return fail("no instance named '" + c.name + "'");
  if (c.on) {
    maintenance_.insert(c.name);
  } else {
    maintenance_.erase(c.name);
  }
  r->instance->set_maintenance(c.on, clock_.now());
  rearm(*r);
  return instance_status(*r->instance, clock_.now());
}

Daemon::Running* Daemon::running_named(const std::string& name) {
  for (auto& i : instances_) {
    if (i->instance->name() == name) return i.get();
  }
  return nullptr;
}

}  // namespace floatd::daemon
