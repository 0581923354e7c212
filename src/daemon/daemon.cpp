#include "daemon/daemon.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "daemon/reload_plan.hpp"
#include "daemon/runtime_checks.hpp"
#include "daemon/metrics.hpp"
#include "daemon/status.hpp"
#include "daemon/sync_group.hpp"
#include "vrrp/vmac.hpp"

namespace floatd::daemon {

struct Daemon::Running {
  Daemon* daemon = nullptr;
  std::unique_ptr<Instance> instance;
  ev_timer timer{};
};

struct Daemon::Socket {
  Daemon* daemon = nullptr;
  std::string interface;
  Family family = Family::kIPv4;
  std::unique_ptr<net::VrrpSocket> socket;
  ev_io watcher{};
};

namespace {

double seconds_until(MonoTime deadline, MonoTime now) {
  const auto us = std::chrono::duration_cast<Microseconds>(deadline - now).count();
  return us <= 0 ? 0.0 : static_cast<double>(us) / 1e6;
}

void make_parent_dir(const std::string& path) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
}

}  // namespace

Daemon::Daemon(Options options, config::Config config, Log& log)
    : options_(std::move(options)),
      config_(std::move(config)),
      log_(log),
      loop_(ev_default_loop(EVFLAG_AUTO)) {}

Daemon::~Daemon() {
  for (auto& s : signals_) ev_signal_stop(loop_, &s);
  ev_io_stop(loop_, &monitor_watcher_);
}

int Daemon::run() {
  if (loop_ == nullptr) {
    log_.error("cannot create the event loop");
    return 1;
  }
  if (auto r = init(); !r) {
    log_.error(r.error());
    shutdown();
    return 1;
  }
  log_.info("floatd " FLOATD_VERSION " running with " + std::to_string(instances_.size()) +
            " instance(s)");
  sd_notify(0, "READY=1");  // systemd Type=notify; nothing happens without NOTIFY_SOCKET
  ev_run(loop_, 0);
  sd_notify(0, "STOPPING=1");
  shutdown();
  return exit_code_;
}

Result<Ok> Daemon::init() {
  // First: a second floatd started by mistake must not touch the running one's VIPs.
  if (auto r = write_pid_file(); !r) return r;
  auto kernel = net::Kernel::open();
  if (!kernel) return fail("netlink: " + kernel.error());
  kernel_ = std::move(*kernel);
  auto monitor = net::LinkMonitor::open();
  if (!monitor) return fail("link monitor: " + monitor.error());
  monitor_ = std::move(*monitor);
  auto announcer = net::Announcer::open();
  if (!announcer) return fail("packet socket for GARP/NA: " + announcer.error());
  announcer_.emplace(std::move(*announcer));
  auto dump = monitor_->dump();
  if (!dump) return fail("reading interfaces: " + dump.error());
  for (const auto& e : *dump) table_.apply(e);
  remove_stale_vips(*dump);  // before joining the election (crash recovery)

  ev_io_init(&monitor_watcher_, monitor_cb, monitor_->fd(), EV_READ);
  monitor_watcher_.data = this;
  ev_io_start(loop_, &monitor_watcher_);
  const int signals[] = {SIGTERM, SIGINT, SIGHUP};
  for (int i = 0; i < 3; ++i) {
    ev_signal_init(&signals_[i], signal_cb, signals[i]);
    signals_[i].data = this;
    ev_signal_start(loop_, &signals_[i]);
  }
  signal(SIGPIPE, SIG_IGN);
  // Orphaned grandchildren of scripts become ours, so libev's SIGCHLD handling reaps them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  ports_ = std::make_unique<KernelPorts>(
      table_, *kernel_, *announcer_,
      [this](const std::string& i, Family f) { return socket_for(i, f); });
  control_ = std::make_unique<ControlServer>(
      loop_, log_, [this](const std::string& c, const nlohmann::json& a) { return control(c, a); });
  const std::string sock = options_.control_socket.value_or(config_.global.control_socket);
  make_parent_dir(sock);
  if (auto r = control_->listen(sock); !r) return r;

  runner_ = std::make_unique<ProcessRunner>(loop_, log_);
  notifier_ = std::make_unique<Notifier>(*runner_, log_);
  tracking_ = std::make_unique<Tracking>(
      loop_, log_, *runner_,
      [this](const std::string& w, const std::string& st, const std::string& d) { on_tracked(w, st, d); });
  if (tracking_->file_fd() >= 0) {
    ev_io_init(&files_watcher_, files_cb, tracking_->file_fd(), EV_READ);
    files_watcher_.data = this;
    ev_io_start(loop_, &files_watcher_);
  }
  ev_idle_init(&idle_watcher_, idle_cb);
  idle_watcher_.data = this;

  apply_config(config_);
  return Ok{};
}

void Daemon::shutdown() {
  for (auto& r : instances_) stop_instance(*r);  // Masters resign with priority 0 (SM-9)
  // notify_stop and friends get their notify_timeout to finish before floatd goes.
  const MonoTime until = MonoClock::now() + Microseconds{config_.global.notify_timeout};
  while (notifier_ && !notifier_->idle() && MonoClock::now() < until) ev_run(loop_, EVRUN_ONCE);
  instances_.clear();
  tracking_.reset();
  notifier_.reset();
  runner_.reset();  // kills whatever is still running
  ev_idle_stop(loop_, &idle_watcher_);
  ev_io_stop(loop_, &files_watcher_);
  for (const auto& [name, parent] : vmacs_) {
    if (const auto* info = table_.find(name); info != nullptr && kernel_) {
      if (auto r = kernel_->delete_link(info->link.ifindex); !r) log_.warning(r.error());
    }
  }
  vmacs_.clear();
  for (auto it = sysctl_changes_.rbegin(); it != sysctl_changes_.rend(); ++it) {
    (void)net::write_sysctl(it->path, it->old_value);
  }
  sysctl_changes_.clear();
  for (auto& [key, s] : sockets_) ev_io_stop(loop_, &s->watcher);
  sockets_.clear();
  control_.reset();
  if (!pid_file_.empty()) unlink(pid_file_.c_str());
}

// Removes every address marked with floatd's IFA_PROTO: a previous floatd died holding it.
void Daemon::remove_stale_vips(const std::vector<net::NetlinkEvent>& dump) {
  for (const auto& e : dump) {
    const auto* a = std::get_if<net::AddrState>(&e);
    if (a == nullptr || a->proto != net::kFloatdAddrProto) continue;
    const auto* info = table_.find(a->ifindex);
    const std::string dev = info ? info->link.name : std::to_string(a->ifindex);
    if (auto r = kernel_->remove_address(a->ifindex, a->prefix); r) {
      log_.notice("removed stale VIP " + a->prefix.to_string() + " from " + dev +
                  " (left by a floatd that did not stop cleanly)");
    } else {
      log_.warning("cannot remove stale VIP " + a->prefix.to_string() + ": " + r.error());
    }
  }
}

// Matches the new config against the running instances (reload_plan.hpp): identical
// instances keep running untouched; changed ones are stopped and started again.
void Daemon::apply_config(config::Config next) {
  std::vector<config::InstanceConfig> running;
  for (const auto& r : instances_) running.push_back(r->instance->config());
  const ReloadPlan plan = plan_reload(running, next.instances);
  for (std::size_t i : plan.stop) stop_instance(*instances_[i]);

  std::vector<std::unique_ptr<Running>> kept(next.instances.size());
  for (const auto& [old_index, new_index] : plan.keep) kept[new_index] = std::move(instances_[old_index]);
  const MonoTime now = MonoClock::now();
  for (const auto& [old_index, new_index] : plan.update) {
    log_.info(instances_[old_index]->instance->log_prefix() + ": updated in place by the reload");
    instances_[old_index]->instance->reconfigure(next.instances[new_index], now);
    kept[new_index] = std::move(instances_[old_index]);
  }
  instances_.clear();
  config_ = std::move(next);
  notifier_->configure(config_.global.script_user, Microseconds{config_.global.notify_timeout});
  tracking_->configure(config_);  // scripts and files whose sections are unchanged keep state
  ensure_vmacs();
  ensure_sockets();
  for (std::size_t n = 0; n < config_.instances.size(); ++n) {
    if (kept[n]) {
      instances_.push_back(std::move(kept[n]));
    } else {
      start_instance(config_.instances[n]);
    }
  }
  close_unused();
  for (const auto& [old_index, new_index] : plan.update) {
    Running& r = *instances_[new_index];
    r.instance->update_interface(table_.find(r.instance->config().interface), now);
    apply_tracking(r, now);
    rearm(r);
  }
  last_reload_ = {{"unchanged", plan.keep.size()}, {"updated", plan.update.size()},
                  {"started", plan.start.size()}, {"stopped", plan.stop.size()}};
  if (!running.empty()) {
    log_.info("reload: " + std::to_string(plan.keep.size()) + " unchanged, " +
              std::to_string(plan.update.size()) + " updated in place, " +
              std::to_string(plan.start.size()) + " started, " + std::to_string(plan.stop.size()) +
              " stopped");
  }
}

Result<nlohmann::json> Daemon::reload() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld",
             static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000);
  auto result = load_and_apply();
  sd_notify(0, "READY=1");
  return result;
}

Result<nlohmann::json> Daemon::load_and_apply() {
  auto next = config::load(options_.config);
  if (next) {
    if (auto errors = runtime_checks(*next); !errors.empty()) next = fail(errors);
  }
  if (!next) {
    log_.error("reload: " + options_.config + " has " + std::to_string(next.error().size()) +
               " error(s); keeping the running config");
    std::string all;
    for (const auto& e : next.error()) {
      log_.error(e.to_string());
      all += e.to_string() + "\n";
    }
    return fail("the config has errors; the running config is unchanged:\n" + all);
  }
  apply_config(std::move(*next));
  return last_reload_;
}

void Daemon::start_instance(const config::InstanceConfig& c) {
  auto r = std::make_unique<Running>();
  r->daemon = this;
  r->instance = std::make_unique<Instance>(c, *ports_, log_);
  ev_init(&r->timer, timer_cb);
  r->timer.data = r.get();
  r->instance->on_transition(
      [this](const Instance& i, const vrrp::StateChanged& c) { on_transition(i, c); });
  const MonoTime now = MonoClock::now();
  r->instance->update_interface(table_.find(c.interface), now);
  r->instance->set_tracking(tracking_->evaluate(c, table_), now);  // init_fail, files: before start
  if (maintenance_.count(c.name) != 0) r->instance->set_maintenance(true, now);
  r->instance->start(now);
  rearm(*r);
  instances_.push_back(std::move(r));
}

// Every transition: an event for `floatctl events`.
void Daemon::on_transition(const Instance& instance, const vrrp::StateChanged& change) {
  std::string text = instance.name() + ": " + std::string(state_name(change.from)) + " -> " +
                     std::string(state_name(change.to)) + " (" +
                     std::string(vrrp::reason_text(change.reason));
  if (!change.detail.empty()) text += ": " + change.detail;
  publish({{"type", "transition"},
           {"instance", instance.name()},
           {"from", state_name(change.from)},
           {"to", state_name(change.to)},
           {"reason", vrrp::reason_text(change.reason)},
           {"detail", change.detail},
           {"priority", instance.machine().effective_priority()},
           {"text", text + ")"}});
  const auto& c = instance.config();
  const std::string state = change.to == State::kInit ? "STOP" : std::string(state_name(change.to));
  notifier_->notify("INSTANCE", c.name, c.notify, state, instance.machine().effective_priority());
  if (config_.group_of(c.name) != nullptr) {
    const std::string name = c.name;
    const vrrp::StateChanged copy = change;
    // After this instance's actions have run: members must not re-enter each other.
    defer([this, name, copy] {
      for (const auto& r : instances_) {
        if (r->instance->name() == name) follow_group(*r->instance, copy);
      }
    });
  }
}

// Sync groups: the other members follow `moved` (sync_group.hpp has the rules).
void Daemon::follow_group(const Instance& moved, const vrrp::StateChanged& change) {
  const auto* group = config_.group_of(moved.name());
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
  const MonoTime now = MonoClock::now();
  const GroupOrders orders = group_orders(group->name, members, moved.name(), change.from, change.to);
  const std::string why = "member " + moved.name() + " became " + std::string(state_name(change.to));
  for (auto& [name, r] : by_name) {
    r->instance->set_fault("sync_group", name == orders.fault_owner ? std::nullopt : orders.fault, now);
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
  notifier_->notify("GROUP", group->name, group->notify, std::string(state_name(now_state)), std::nullopt);
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

void Daemon::stop_instance(Running& r) {
  ev_timer_stop(loop_, &r.timer);
  r.instance->stop(MonoClock::now());
}

// One VMAC per instance with use_vmac, on its interface, with the virtual MAC (GEN-4/5).
void Daemon::ensure_vmacs() {
  bool created = false;
  for (const auto& c : config_.instances) {
    if (c.vmac.empty() || vmacs_.count(c.vmac) != 0) continue;
    const InterfaceInfo* parent = table_.find(c.interface);
    if (parent == nullptr) continue;  // made when the interface appears
    auto r = kernel_->create_vmac(parent->link.ifindex, c.vmac, vrrp::virtual_mac(c.family(), c.vrid));
    if (!r) {
      log_.error("cannot create VMAC " + c.vmac + " on " + c.interface + ": " + r.error());
      continue;
    }
    vmacs_[c.vmac] = c.interface;
    created = true;
    // IPv6 adverts leave the VMAC from the parent's link-local, which must be on the VMAC
    // itself (addr_gen_mode none gives it none of its own), as keepalived does.
    if (const auto ll = parent->link_local_v6(); ll && c.family() == Family::kIPv6) {
      if (auto a = kernel_->add_address(*r, IpPrefix{*ll, 64}); !a) log_.warning(a.error());
    }
    auto sysctls = net::prepare_vmac_sysctls(c.interface, c.vmac);
    if (sysctls) {
      sysctl_changes_.insert(sysctl_changes_.end(), sysctls->begin(), sysctls->end());
    } else {
      log_.warning("VMAC " + c.vmac + ": " + sysctls.error());
    }
  }
  if (created) {  // learn the new links now, not when their events arrive
    if (auto dump = monitor_->dump(); dump) {
      table_.clear();
      for (const auto& e : *dump) table_.apply(e);
    }
  }
}

// The device an instance's socket is on: its VMAC, or its interface (Instance::out_device).
static const std::string& socket_device(const config::InstanceConfig& c) {
  return c.vmac.empty() ? c.interface : c.vmac;
}

// One socket per (device, family) in use, re-opened when the device is re-created.
void Daemon::ensure_sockets() {
  for (const auto& c : config_.instances) {
    const std::string& dev = socket_device(c);
    const auto key = std::make_pair(dev, c.family());
    const InterfaceInfo* info = table_.find(dev);
    auto it = sockets_.find(key);
    if (it != sockets_.end() && (info == nullptr || it->second->socket->ifindex() != info->link.ifindex)) {
      ev_io_stop(loop_, &it->second->watcher);
      sockets_.erase(it);
      it = sockets_.end();
    }
    if (info == nullptr || it != sockets_.end()) continue;
    auto sock = net::VrrpSocket::open(c.family(), info->link.ifindex, dev);
    if (!sock) {
      log_.error("cannot open the VRRP socket on " + dev + ": " + sock.error());
      continue;
    }
    auto s = std::make_unique<Socket>();
    s->daemon = this;
    s->interface = dev;
    s->family = c.family();
    s->socket = std::move(*sock);
    ev_io_init(&s->watcher, socket_cb, s->socket->fd(), EV_READ);
    s->watcher.data = s.get();
    ev_io_start(loop_, &s->watcher);
    sockets_[key] = std::move(s);
  }
}

void Daemon::close_unused() {
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    const bool used = std::any_of(config_.instances.begin(), config_.instances.end(), [&](const auto& c) {
      return socket_device(c) == it->first.first && c.family() == it->first.second;
    });
    if (used) {
      ++it;
    } else {
      ev_io_stop(loop_, &it->second->watcher);
      it = sockets_.erase(it);
    }
  }
  for (auto it = vmacs_.begin(); it != vmacs_.end();) {
    const bool used = std::any_of(config_.instances.begin(), config_.instances.end(),
                                  [&](const auto& c) { return c.vmac == it->first; });
    const InterfaceInfo* info = table_.find(it->first);
    if (!used && info != nullptr) {
      for (auto& [key, s] : sockets_) s->socket->forget_interface(info->link.ifindex);
      (void)kernel_->delete_link(info->link.ifindex);
    }
    it = used ? std::next(it) : vmacs_.erase(it);
  }
}

void Daemon::update_interfaces(MonoTime now) {
  for (auto& r : instances_) {
    r->instance->update_interface(table_.find(r->instance->config().interface), now);
    apply_tracking(*r, now);  // track_interface
    rearm(*r);
  }
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

// A script or file changed: log and publish, then re-evaluate every instance.
void Daemon::on_tracked(const std::string& what, const std::string& state, const std::string& detail) {
  publish({{"type", "tracker"}, {"what", what}, {"state", state}, {"detail", detail},
           {"text", what + ": " + state + (detail.empty() ? "" : " (" + detail + ")")}});
  defer([this] {
    const MonoTime now = MonoClock::now();
    for (auto& r : instances_) {
      apply_tracking(*r, now);
      rearm(*r);
    }
  });
}

void Daemon::defer(std::function<void()> work) {
  deferred_.push_back(std::move(work));
  ev_idle_start(loop_, &idle_watcher_);
}

void Daemon::idle_cb(struct ev_loop* loop, ev_idle* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  ev_idle_stop(loop, w);
  auto work = std::move(d->deferred_);
  d->deferred_.clear();
  for (auto& f : work) f();
}

void Daemon::files_cb(struct ev_loop*, ev_io* w, int) noexcept {
  static_cast<Daemon*>(w->data)->tracking_->on_files();
}

void Daemon::on_monitor() {
  auto batch = monitor_->read();
  if (!batch) {
    log_.warning("link monitor: " + batch.error());
    return;
  }
  const MonoTime now = MonoClock::now();
  if (batch->overrun) {  // ENOBUFS: events were lost, so learn everything again
    log_.warning("link monitor: netlink overrun, re-reading every interface");
    if (auto dump = monitor_->dump(); dump) {
      table_.clear();
      for (const auto& e : *dump) table_.apply(e);
    }
  }
  for (const auto& e : batch->events) {
    const std::string dev = table_.apply(e);
    const auto* a = std::get_if<net::AddrState>(&e);
    if (a == nullptr || !a->deleted || dev.empty()) continue;
    for (auto& r : instances_) r->instance->address_removed(dev, a->prefix, now);
  }
  ensure_vmacs();
  ensure_sockets();
  update_interfaces(now);
}

void Daemon::on_socket(Socket& s) {
  auto packets = s.socket->receive(64);
  const MonoTime now = MonoClock::now();
  if (!packets) {
    if (unknown_log_.allow(now)) log_.warning("receive on " + s.interface + ": " + packets.error());
    return;
  }
  for (const auto& p : *packets) {
    const Vrid vrid = p.message.size() >= 2 ? p.message[1] : 0;
    Running* r = find(s.interface, s.family, vrid);
    auto decoded = p.message.empty() ? Result<vrrp::Decoded, vrrp::DropReason>(fail(vrrp::DropReason::kTooShort))
                                     : vrrp::decode(p.message, p.info);
    if (!decoded) {  // counted on the instance the VRID byte names, if any
      if (r != nullptr) {
        r->instance->drop(decoded.error(), p.info, now);
      } else {
        ++decode_drops_unattributed_;
      }
      continue;
    }
    if (r == nullptr) {  // RX-7
      ++unknown_vrid_drops_;
      if (log_.debug_enabled() && unknown_log_.allow(now)) {
        log_.debug("advert for VRID " + std::to_string(vrid) + " from " + p.info.src.to_string() +
                   " on " + s.interface + ": no such instance");
      }
      continue;
    }
    r->instance->receive(*decoded, p.info, now);
    rearm(*r);
  }
}

void Daemon::on_timer(Running& r) {
  r.instance->tick(MonoClock::now());
  rearm(r);
}

void Daemon::rearm(Running& r) {
  ev_timer_stop(loop_, &r.timer);
  const auto deadline = r.instance->next_deadline();
  if (!deadline) return;
  ev_now_update(loop_);
  ev_timer_set(&r.timer, seconds_until(*deadline, MonoClock::now()), 0.0);
  ev_timer_start(loop_, &r.timer);
}

Daemon::Running* Daemon::find(const std::string& device, Family family, Vrid vrid) {
  for (auto& r : instances_) {
    const auto& c = r->instance->config();
    if (c.vrid == vrid && socket_device(c) == device && c.family() == family) return r.get();
  }
  return nullptr;
}

net::VrrpSocket* Daemon::socket_for(const std::string& interface, Family family) {
  auto it = sockets_.find({interface, family});
  return it == sockets_.end() ? nullptr : it->second->socket.get();
}

Result<nlohmann::json> Daemon::control(const std::string& command, const nlohmann::json& args) {
  if (command == "status") {
    std::string name;
    if (auto n = args.find("name"); n != args.end()) {
      if (!n->is_string()) return fail("name must be a string");
      name = n->get<std::string>();
    }
    std::vector<const Instance*> list;
    for (const auto& r : instances_) list.push_back(r->instance.get());
    auto result = status(list, name);
    result["unknown_vrid_drops"] = unknown_vrid_drops_;
    result["undecodable_drops"] = decode_drops_unattributed_;
    result["tracking"] = tracking_->status();
    return result;
  }
  if (command == "version") return nlohmann::json{{"version", FLOATD_VERSION}};
  if (command == "events") return nlohmann::json{{"subscribed", true}};  // see publish()
  if (command == "reload") return reload();
  if (command == "metrics") {
    std::vector<const Instance*> list;
    for (const auto& r : instances_) list.push_back(r->instance.get());
    return nlohmann::json{{"text", metrics_text(list, tracking_->status(), unknown_vrid_drops_)}};
  }
  if (command == "handover" || command == "maintenance") {
    const auto n = args.find("name");
    if (n == args.end() || !n->is_string()) return fail(command + " needs an instance name");
    Running* r = nullptr;
    for (auto& i : instances_) {
      if (i->instance->name() == n->get<std::string>()) r = i.get();
    }
    if (r == nullptr) return fail("no instance named '" + n->get<std::string>() + "'");
    const MonoTime now = MonoClock::now();
    if (command == "handover") {
      if (r->instance->machine().state() != State::kMaster) {
        return fail(r->instance->name() + " is " +
                    std::string(state_name(r->instance->machine().state())) + ", not MASTER: nothing to hand over");
      }
      r->instance->handover(now);
    } else {
      const auto on = args.find("on");
      if (on == args.end() || !on->is_boolean()) return fail("maintenance needs on or off");
      if (on->get<bool>()) {
        maintenance_.insert(r->instance->name());
      } else {
        maintenance_.erase(r->instance->name());
      }
      r->instance->set_maintenance(on->get<bool>(), now);
    }
    rearm(*r);
    return instance_status(*r->instance);
  }
  return fail("unknown command '" + command + "'");
}

namespace {

// True when `pid` is a live (not zombie) process named floatd.
bool floatd_alive(long pid) {
  if (pid <= 0 || pid == getpid()) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) return false;
  const std::string comm = line.substr(open + 1, close - open - 1);
  const char state = line[close + 2];
  return comm == "floatd" && state != 'Z' && state != 'X';
}

}  // namespace

Result<Ok> Daemon::write_pid_file() {
  const std::string path = options_.pid_file.value_or(config_.global.pid_file);
  if (std::ifstream in(path); in) {
    long pid = 0;
    in >> pid;
    if (floatd_alive(pid)) {
      return fail("floatd is already running (pid " + std::to_string(pid) + ", pid file " + path + ")");
    }
  }
  make_parent_dir(path);
  std::ofstream out(path, std::ios::trunc);
  if (!out || !(out << getpid() << "\n")) return fail("cannot write pid file " + path);
  pid_file_ = path;
  return Ok{};
}

void Daemon::monitor_cb(struct ev_loop*, ev_io* w, int) noexcept {
  static_cast<Daemon*>(w->data)->on_monitor();
}

void Daemon::socket_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* s = static_cast<Socket*>(w->data);
  s->daemon->on_socket(*s);
}

void Daemon::timer_cb(struct ev_loop*, ev_timer* w, int) noexcept {
  auto* r = static_cast<Running*>(w->data);
  r->daemon->on_timer(*r);
}

void Daemon::signal_cb(struct ev_loop* loop, ev_signal* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  if (w->signum == SIGHUP) {
    d->log_.info("SIGHUP: reloading " + d->options_.config);
    (void)d->reload();  // logs the outcome either way
    return;
  }
  d->log_.info(std::string("signal ") + strsignal(w->signum) + ": stopping");
  ev_break(loop, EVBREAK_ALL);
}

}  // namespace floatd::daemon
