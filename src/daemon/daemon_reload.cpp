// The daemon's reloads: SIGHUP and floatctl reload ask, the ConfigLoader port loads and checks
// the files off the loop (config_loader.hpp), and the loop applies the plan when the loader's
// descriptor says it is done. One load runs at a time; a request meanwhile supersedes it (the
// newest file wins). floatctl reload is answered after the apply, with the outcome or every
// error, through the control server's deferred replies. systemd hears RELOADING=1 when a
// reload starts and READY=1 once it is applied or refused.
#include <malloc.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "daemon/callback_guard.hpp"
#include "daemon/daemon_parts.hpp"

namespace floatd::daemon {
namespace {

// Whether an instance updated in place wants the same kernel addresses as before (what
// reconcile_plan.hpp derives from its config: VIPs, their devices and labels, the virtual
// link-local, the VMAC, the announcements after a repair).
// Instance `n` of `config`, sharing the ownership of the whole config (instance.hpp).
std::shared_ptr<const config::InstanceConfig> instance_of(
    const std::shared_ptr<const config::Config>& config, std::size_t n) {
  return {config, &config->instances[n]};
}

bool same_addresses(const config::InstanceConfig& a, const config::InstanceConfig& b) {
  return a.interface == b.interface && a.vips == b.vips && a.vmac == b.vmac &&
         a.virtual_link_local == b.virtual_link_local && a.send_ra == b.send_ra && a.garp == b.garp;
}

}  // namespace

Result<Ok> Daemon::request_reload(std::optional<std::uint64_t> waiter) {
  if (!running()) return fail(std::string("floatd is stopping: no reload"));
  if (waiter) reload_waiters_.push_back(*waiter);
  if (loading_) {
    load_again_ = true;
    return Ok{};
  }
  // The clock port is CLOCK_MONOTONIC in microseconds, what systemd asks for.
  notify_systemd("RELOADING=1\nMONOTONIC_USEC=" +
                 std::to_string(clock_.now().time_since_epoch().count()));
  start_load();
  return Ok{};
}

void Daemon::start_load() {
  loading_ = true;
  load_again_ = false;
  if (auto r = loader_.start({options_.config, config_}); !r) {
    loading_ = false;
    log_.error("reload: " + r.error());
    // Not from inside the control handler that may have asked: its reply is deferred.
    deferred_->defer("reload", [this, error = r.error()] { finish_reload(fail(error)); });
  }
}

void Daemon::on_loaded() {
  auto outcome = loader_.finished();
  if (!outcome) return;
  loading_ = false;
  if (!running()) {
    finish_reload(fail(std::string("floatd is stopping: no reload")));
    return;
  }
  if (load_again_) {  // the files may have changed since this load read them
    log_.info("reload: asked again while loading; loading " + options_.config + " again");
    start_load();
    return;
  }
  if (!*outcome) {
    const auto& errors = outcome->error();
    log_.error("reload: " + options_.config + " has " + std::to_string(errors.size()) +
               " error(s); keeping the running config");
    std::string all;
    for (const auto& e : errors) {
      log_.error(e.to_string());
      all += e.to_string() + "\n";
    }
    finish_reload(fail("the config has errors; the running config is unchanged:\n" + all));
    return;
  }
  apply_config(std::move(**outcome));
  malloc_trim(0);  // the old config's heap back to the system (3 ms at 4,000 instances)
  finish_reload(last_reload_);
}

void Daemon::finish_reload(const Result<nlohmann::json>& outcome) {
  for (const std::uint64_t id : std::exchange(reload_waiters_, {})) {
    if (control_) control_->complete(id, outcome);
  }
  notify_systemd("READY=1");
}

void Daemon::loader_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  guarded(
      d->log_, "reload", [d] { d->on_loaded(); },
      [d] {
        d->loading_ = false;
        d->resync_deadlines();
        d->finish_reload(fail(std::string("internal error while applying the config")));
      });
}

// Carries out the plan the loader made (reload_plan.hpp): identical instances keep running
// untouched, changed ones are updated in place or stopped and started again. Nothing here
// reads a file or asks NSS; at 4,000 instances with one changed it takes a few milliseconds.
void Daemon::apply_config(LoadedConfig next) {
  const MonoTime began = clock_.now();
  const ReloadPlan& plan = next.plan;
  const auto& wanted = next.config->instances;
  for (std::size_t i : plan.stop) stop_instance(*instances_[i]);

  std::vector<std::unique_ptr<Running>> kept(wanted.size());
  for (const auto& [old_index, new_index] : plan.keep)
    kept[new_index] = std::move(instances_[old_index]);
  const MonoTime now = clock_.now();
  bool addresses_changed = !plan.stop.empty() || !plan.start.empty();
  for (const auto& [old_index, new_index] : plan.update) {
    addresses_changed =
        addresses_changed ||
        !same_addresses(instances_[old_index]->instance->config(), wanted[new_index]);
    log_.info(instances_[old_index]->instance->log_prefix() + ": updated in place by the reload");
    instances_[old_index]->instance->reconfigure(instance_of(next.config, new_index), now);
    kept[new_index] = std::move(instances_[old_index]);
  }
  instances_.clear();
  config_ = std::move(next.config);
  for (const auto& line : scheduling_.apply(config_->global)) log_.warning("cannot set " + line);
  for (const auto& line : next.users.warnings) log_.warning(line);
  runner_->set_max_running(static_cast<std::size_t>(config_->global.max_running_scripts));
  notifier_->configure(next.users.run_as(config_->global.script_user),
                       Microseconds{config_->global.notify_timeout});
  tracking_->set_script_users(std::move(next.users));
  path_keys_ = std::move(next.keys);
  tracking_->configure(*config_);  // scripts and files whose sections are unchanged keep state
  ensure_vmacs();
  ensure_sockets();
  for (std::size_t n = 0; n < config_->instances.size(); ++n) {
    if (kept[n]) {
      kept[n]->instance->rebind(instance_of(config_, n));  // equal: the old config can go
      set_path_auth(*kept[n]->instance);  // the key file may have changed
      instances_.push_back(std::move(kept[n]));
    } else {
      start_instance(instance_of(config_, n));
    }
  }
  // Only an instance that went or changed can leave a socket or VMAC unused (at 4,000
  // instances the check is a scan of every instance per socket).
  if (!plan.stop.empty() || !plan.update.empty()) close_unused();
  index_instances();
  for (const auto& [old_index, new_index] : plan.update) {
    Running& r = *instances_[new_index];
    r.instance->update_interface(table_.find(r.instance->config().interface), now);
    const auto& paths = r.instance->config().heartbeat_paths;
    for (std::size_t p = 0; p < paths.size(); ++p) {
      r.instance->update_path(p + 1, table_.find(paths[p].interface), now);
    }
    apply_tracking(r, now);
    rearm(r);
  }
  // The kernel's side is checked as after a transition, at the next timer wake-up, and only
  // when the addresses wanted may have changed: a reconcile compares every instance's
  // addresses (70-100 ms at 4,000 today). Started, stopped and updated instances have added
  // and removed their VIPs themselves; the periodic check follows within its period anyway.
  if (phase_ != Phase::kRunning) {
    reconcile(now);
  } else if (addresses_changed) {
    reconcile_soon();
  }
  last_reload_ = {{"unchanged", plan.keep.size()},
                  {"updated", plan.update.size()},
                  {"started", plan.start.size()},
                  {"stopped", plan.stop.size()}};
  if (phase_ == Phase::kRunning) {
    log_.info("reload: " + std::to_string(plan.keep.size()) + " unchanged, " +
              std::to_string(plan.update.size()) + " updated in place, " +
              std::to_string(plan.start.size()) + " started, " + std::to_string(plan.stop.size()) +
              " stopped");
  }
  if (log_.debug_enabled()) {
    const auto took = std::chrono::duration_cast<Microseconds>(clock_.now() - began);
    log_.debug("config applied in " + std::to_string(took.count()) + " us");
  }
}

}  // namespace floatd::daemon
