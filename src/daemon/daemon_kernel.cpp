// The daemon's kernel side: the interface table kept from the link monitor, stale VIPs,
// VMACs, one VRRP socket per (device, family), and the receive path.
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <variant>

#include "daemon/callback_guard.hpp"
#include "daemon/daemon_parts.hpp"
#include "daemon/status.hpp"
#include "net/kernel.hpp"  // kFloatdAddrProto
#include "vrrp/vmac.hpp"

namespace floatd::daemon {

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

// VMACs floatd made (net::kVmacAlias) that no instance of this config wants: left by a floatd
// killed before it could delete them, whose config has since lost their instances (issue 15).
// Those still wanted are taken up again by ensure_vmacs(); a VMAC without the alias (an
// admin's, keepalived's) is never touched. One floatd per network namespace, as for VIPs.
void Daemon::remove_stale_vmacs() {
  std::vector<std::pair<int, std::string>> stale;
  for (const auto& [ifindex, info] : table_.interfaces()) {
    if (!info.link.floatd_vmac) continue;
    const bool wanted = std::any_of(config_->instances.begin(), config_->instances.end(),
                                    [&](const auto& c) { return c.vmac == info.link.name; });
    if (!wanted) stale.emplace_back(ifindex, info.link.name);
  }
  for (const auto& [ifindex, name] : stale) {
    if (auto r = kernel_->delete_link(ifindex); r) {
      log_.notice("removed stale VMAC " + name +
                  " (left by a floatd that did not stop cleanly; no instance wants it now)");
    } else {
      log_.warning("cannot remove stale VMAC " + name + ": " + r.error());
    }
  }
}

namespace {

// f(config) for each instance in `only` (indices), or for every one when it is nullptr.
template <typename F>
void for_each_config(const std::vector<config::InstanceConfig>& all,
                     const std::vector<std::size_t>* only, F&& f) {
  if (only == nullptr) {
    for (const auto& c : all) f(c);
    return;
  }
  for (const std::size_t n : *only) {
    if (n < all.size()) f(all[n]);
  }
}

}  // namespace

// One VMAC per instance with use_vmac, on its interface, with the virtual MAC (GEN-4/5). A
// create the kernel refuses is tried again on vmac_backoff_'s deadline (the timerfd), not only
// at the next netlink event. Returns true when it made one. `only`: the instances a netlink
// batch concerns; the backoff of the others' VMACs is left alone.
bool Daemon::ensure_vmacs(Only only) {
  const MonoTime now = clock_.now();
  bool created = false;
  std::set<std::string> looked_at;
  std::set<std::string> in_question;  // wanted, its parent there, itself not: backoff kept
  for_each_config(config_->instances, only, [&](const config::InstanceConfig& c) {
    // Made once, and again when it went away with its parent (a deleted parent takes its
    // macvlans with it; when the parent is re-created, so is the VMAC).
    if (c.vmac.empty()) return;
    looked_at.insert(c.vmac);
    if (vmacs_.count(c.vmac) != 0 && table_.find(c.vmac) != nullptr) return;
    if (table_.find(c.interface) == nullptr) return;  // made when the interface appears
    in_question.insert(c.vmac);
    if (vmac_backoff_.due(c.vmac, now)) created |= ensure_vmac(c, now);
  });
  if (created) {  // learn the new links now, not when their events arrive
    if (auto dump = monitor_->dump(); dump) {
      table_.clear();
      for (const auto& e : *dump) table_.apply(e);
    }
  }
  // A VMAC no longer wanted, or whose parent went away (it is made when the parent comes
  // back), has no retry pending.
  vmac_backoff_.keep_only([&](const std::string& name) {
    return in_question.count(name) != 0 || (only != nullptr && looked_at.count(name) == 0);
  });
  arm_timerfd();  // for vmac_backoff_'s next retry
  return created;
}

// Creates c's VMAC on its interface (which exists); true when it did.
bool Daemon::ensure_vmac(const config::InstanceConfig& c, MonoTime now) {
  const InterfaceInfo* parent = table_.find(c.interface);
  auto r = kernel_->create_vmac(parent->link.ifindex, c.vmac, vrrp::virtual_mac(c.family(), c.vrid));
  if (!r) {
    vmac_backoff_.failed(c.vmac, r.error(), now);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        vmac_backoff_.find(c.vmac)->retry_at - now);
    log_.error("cannot create VMAC " + c.vmac + " on " + c.interface + ": " + r.error() +
               "; retry in " + std::to_string(wait.count()) + " ms");
    return false;
  }
  vmac_backoff_.succeeded(c.vmac);
  vmacs_[c.vmac] = c.interface;
  log_.info("created VMAC " + c.vmac + " on " + c.interface);
  // IPv6 adverts leave the VMAC from the parent's link-local, which must be on the VMAC
  // itself (addr_gen_mode none gives it none of its own), as keepalived does.
  if (const auto ll = parent->link_local_v6(); ll && c.family() == Family::kIPv6) {
    if (auto a = kernel_->add_address(*r, IpPrefix{*ll, 64}, {}); !a) log_.warning(a.error());
  }
  auto sysctls = kernel_->prepare_vmac_sysctls(c.interface, c.vmac);
  if (sysctls && c.family() == Family::kIPv6) {  // L2-7: NS answered with the Router flag
    auto router = kernel_->make_vmac_ipv6_router(c.vmac);
    if (router) {
      sysctls->insert(sysctls->end(), router->begin(), router->end());
    } else {
      log_.warning("VMAC " + c.vmac + ": " + router.error() +
                   " (its NS replies will lack the Router flag)");
    }
  }
  if (sysctls) {
    // A VMAC made again records only paths not seen before: the first record holds the
    // value to restore, and the list does not grow each time the parent comes back.
    for (auto& change : *sysctls) {
      const bool known = std::any_of(sysctl_changes_.begin(), sysctl_changes_.end(),
                                     [&](const auto& c2) { return c2.path == change.path; });
      if (!known) sysctl_changes_.push_back(std::move(change));
    }
  } else {
    log_.warning("VMAC " + c.vmac + ": " + sysctls.error());
  }
  return true;
}

// VMACs that went away unseen (their event lost) or could not be made are made again on the
// housekeeping deadlines too, with their sockets, before the addresses are reconciled.
void Daemon::repair_links(MonoTime now) {
  if (!ensure_vmacs()) return;
  ensure_sockets();
  update_interfaces(now);
}


// One socket per (device, family) in use, re-opened when the device is re-created: each device
// an instance sends and receives adverts on (config::advert_device).
void Daemon::ensure_sockets(Only only) {
  join_all_routers(only);
  for_each_config(config_->instances, only, [&](const config::InstanceConfig& c) {
    ensure_socket(config::advert_device(c), c.family());
    for (const auto& path : c.heartbeat_paths) ensure_socket(path.interface, c.family());
  });
}

void Daemon::ensure_socket(const std::string& dev, Family family) {
  const auto key = std::make_pair(dev, family);
  const InterfaceInfo* info = table_.find(dev);
  auto it = sockets_.find(key);
  if (it != sockets_.end() && (info == nullptr || it->second->socket->ifindex() != info->link.ifindex)) {
    ev_io_stop(loop_, &it->second->watcher);
    sockets_.erase(it);
    it = sockets_.end();
  }
  if (info == nullptr || it != sockets_.end()) return;
  auto sock = vrrp_.open(family, info->link.ifindex, dev);
  if (!sock) {
    log_.error("cannot open the VRRP socket on " + dev + ": " + sock.error());
    return;
  }
  auto s = std::make_unique<Socket>();
  s->daemon = this;
  s->interface = dev;
  s->family = family;
  s->socket = std::move(*sock);
  ev_io_init(&s->watcher, socket_cb, s->socket->fd(), EV_READ);
  s->watcher.data = s.get();
  index_socket(*s);
  ev_io_start(loop_, &s->watcher);
  sockets_[key] = std::move(s);
}

// L2-8, RFC 4861 §6.2.6: hosts solicit ff02::2; each device a send_ra instance advertises on
// joins it (once per ifindex: a device made again is joined again).
void Daemon::join_all_routers(Only only) {
  for_each_config(config_->instances, only, [&](const config::InstanceConfig& c) {
    if (!c.send_ra) return;
    const InterfaceInfo* info = table_.find(config::vmac_or_interface(c));
    if (info == nullptr || all_routers_joined_.count(info->link.ifindex) != 0) return;
    if (auto r = solicitations_.join(info->link.ifindex); !r) {
      log_.warning("Router Solicitations on " + info->link.name + ": " + r.error());
      return;
    }
    all_routers_joined_.insert(info->link.ifindex);
  });
}

void Daemon::on_solicitations() {
  auto heard = solicitations_.receive(kBatch);
  if (!heard) {
    log_.warning(heard.error());
    return;
  }
  const MonoTime now = clock_.now();
  for (const auto& h : *heard) {
    const InterfaceInfo* info = table_.find(h.ifindex);
    if (info == nullptr) continue;
    for (const std::size_t n : users_.users(info->link.name)) {  // not every instance per RS
      auto& r = instances_.at(n);
      if (!r->instance->sends_ra() ||
          config::vmac_or_interface(r->instance->config()) != info->link.name) {
        continue;
      }
      r->instance->solicited(now);
      rearm(*r);
    }
  }
}

void Daemon::close_unused() {
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    const bool used = std::any_of(config_->instances.begin(), config_->instances.end(), [&](const auto& c) {
      const std::string& dev = it->first.first;
      if (c.family() != it->first.second) return false;
      return config::advert_device(c) == dev ||
             std::any_of(c.heartbeat_paths.begin(), c.heartbeat_paths.end(),
                         [&](const config::HeartbeatPath& p) { return p.interface == dev; });
    });
    if (used) {
      ++it;
    } else {
      ev_io_stop(loop_, &it->second->watcher);
      it = sockets_.erase(it);
    }
  }
  for (auto it = vmacs_.begin(); it != vmacs_.end();) {
    const bool used = std::any_of(config_->instances.begin(), config_->instances.end(),
                                  [&](const auto& c) { return c.vmac == it->first; });
    const InterfaceInfo* info = table_.find(it->first);
    if (!used && info != nullptr) {
      for (auto& [key, s] : sockets_) s->socket->forget_interface(info->link.ifindex);
      (void)kernel_->delete_link(info->link.ifindex);
    }
    it = used ? std::next(it) : vmacs_.erase(it);
  }
}

// An interface of 250 instances coming back is 250 transitions: update_each() lets due
// Masters advertise between two, and holds back those not updated yet (their link may be the
// one that went).
void Daemon::update_interfaces(MonoTime now, Only only) {
  update_each(only, [&](Running& r) {
    ++instance_updates_;
    r.instance->update_interface(table_.find(r.instance->config().interface), now);
    const auto& paths = r.instance->config().heartbeat_paths;
    for (std::size_t p = 0; p < paths.size(); ++p) {
      r.instance->update_path(p + 1, table_.find(paths[p].interface), now);
    }
    apply_tracking(r, now);  // track_interface
    rearm(r);
  });
}

void Daemon::on_monitor() { read_monitor(false); }

// A netlink batch touches the instances that care about the interfaces it names
// (InterfaceUsers): a takeover's 1,000 RTM_NEWADDR echoes cost O(VIPs x instances per
// interface), not O(VIPs x all). `everything` (the periodic check) and an overrun, whose lost
// events could have named any interface, re-evaluate every instance.
void Daemon::read_monitor(bool everything) {
  auto batch = monitor_->read();
  if (!batch) {
    log_.warning("link monitor: " + batch.error());
    return;
  }
  const MonoTime now = clock_.now();
  if (batch->overrun) {  // ENOBUFS: events were lost, so learn everything again
    log_.warning("link monitor: netlink overrun, re-reading every interface");
    everything = true;
    batch->events.clear();  // older than the dump
    resync_table();
  }
  const std::set<std::string> changed = apply_events(batch->events);
  if (everything) {
    ensure_vmacs();
    ensure_sockets();
    update_interfaces(now);
    if (!reconcile_due()) reconcile(now);  // level, not edge: whatever the events were, or were lost
    return;
  }
  if (changed.empty()) return;
  const std::vector<std::size_t> affected = users_.users(changed);
  ensure_vmacs(&affected);
  ensure_sockets(&affected);
  update_interfaces(now, &affected);
  if (reconcile_due()) return;
  const ReconcileScope scope = users_.reconcile_scope(changed);
  reconcile(now, &scope);  // what the events touched; the periodic check does the rest
}

// Whether a reconcile is due now, on the timer: update_interfaces' transitions ask for one
// (on_transition), and the kernel's notices of their own changes (a link gone: each Master's
// VIPs removed) are still queued on the monitor. Reconciled at once, the table would still
// show those addresses: each removed again, a netlink round trip and a "repair" apiece (60 ms
// for 60 instances in daemon_test). The timer's reconcile reads the monitor first.
bool Daemon::reconcile_due() const { return reconcile_at_ && *reconcile_at_ <= clock_.now(); }

// After an overrun, what the monitor's socket still holds is older than the dump: it is read
// and dropped first, or it would undo what the dump says (issue 15: a VIP deleted by hand and
// put back by the admin stayed "missing"). Reading the queue empty also ends the kernel's
// congestion: until then it drops every new notice, floatd's own repairs' included, without a
// second ENOBUFS (netlink_overrun sets NETLINK_S_CONGESTED, netlink_rcv_wake clears it).
void Daemon::resync_table() {
  constexpr int kMaxStaleReads = 4096;  // of up to 64 datagrams each: far above a full queue
  for (int i = 0; i < kMaxStaleReads; ++i) {
    auto stale = monitor_->read();
    if (!stale || (stale->events.empty() && !stale->overrun)) break;
  }
  auto dump = monitor_->dump();
  if (!dump) {
    log_.warning("link monitor: " + dump.error());
    return;
  }
  table_.clear();
  for (const auto& e : *dump) table_.apply(e);
}

// Applies the events to the table; returns the names of the interfaces they concern (a
// renamed link's old name too).
std::set<std::string> Daemon::apply_events(const std::vector<net::NetlinkEvent>& events) {
  std::set<std::string> changed;
  for (const auto& e : events) {
    const int ifindex = std::visit([](const auto& x) { return x.ifindex; }, e);
    if (const InterfaceInfo* before = table_.find(ifindex)) changed.insert(before->link.name);
    if (std::string name = table_.apply(e); !name.empty()) changed.insert(std::move(name));
  }
  return changed;
}

// The kernel's addresses against every instance's wanted ones (reconciler.hpp), or those in
// `scope` after a netlink batch; the timerfd is armed for the next retry or the next periodic
// check (reconcile_at_).
void Daemon::reconcile(MonoTime now, const ReconcileScope* scope) {
  if (!reconciler_ || !ports_ || phase_ == Phase::kStopping) return;
  std::vector<Instance*> list;
  if (scope == nullptr) {
    list.reserve(instances_.size());
    for (auto& r : instances_) list.push_back(r->instance.get());
  } else {
    for (const std::size_t n : scope->instances) {
      if (n < instances_.size()) list.push_back(instances_[n]->instance.get());
    }
  }
  // Each instance's difference before, so that a change shows in `floatctl events` too (when
  // someone follows them: 4,000 instances' copies are not made for nobody).
  const bool watched = control_ && control_->subscribers() > 0;
  // A new reason for a failing repair is news too (the kernel refused it differently); another
  // retry refused alike is not.
  struct Seen {
    std::vector<std::string> missing, extra, reasons;
    std::uint64_t repairs;
  };
  const auto reasons = [](const KernelReport& k) {
    std::vector<std::string> out;
    for (const auto& f : k.failing) out.push_back(f.address + ": " + f.error);
    return out;
  };
  std::vector<Seen> before;
  for (std::size_t n = 0; watched && n < list.size(); ++n) {
    const KernelReport& k = list[n]->kernel_report();
    before.push_back({k.missing, k.extra, reasons(k), k.repairs});
  }
  reconciler_->run(list, table_, ports_->ledger(), now, scope ? &scope->devices : nullptr);
  for (std::size_t n = 0; n < before.size(); ++n) {
    const KernelReport& k = list[n]->kernel_report();
    if (k.missing != before[n].missing || k.extra != before[n].extra ||
        k.repairs != before[n].repairs || reasons(k) != before[n].reasons) {
      publish(kernel_event(*list[n]));  // to every subscriber: a yield after each
      send_due_adverts();
    }
  }
  reconcile_at_ = reconciler_->next_deadline();
  arm_timerfd();
}

// Reconciles at the next timer wake-up, after whatever is running now has finished acting on
// the kernel: a run of transitions (a sync group, a storm) costs one reconcile.
void Daemon::reconcile_soon() {
  if (phase_ == Phase::kStopping) return;
  const MonoTime now = clock_.now();
  if (!reconcile_at_ || *reconcile_at_ > now) reconcile_at_ = now;
  arm_timerfd();
}

// The periodic check: events waiting on the monitor are read first (on_monitor reconciles
// after them), so that an add whose notice is still queued is not taken for missing.
void Daemon::on_reconcile_timer() {
  pollfd pfd{monitor_->fd(), POLLIN, 0};
  if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) != 0) {
    read_monitor(true);
    return;
  }
  const MonoTime now = clock_.now();
  repair_links(now);
  reconcile(now);
}

namespace {

// When the kernel received a packet (AdvertSocket::Received::arrived): Master_Down_Timer then
// runs from the advert's arrival, not from when floatd got round to reading it (a wake-up
// later, tens to hundreds of microseconds on a VM). The kernel stamps packets on the wall
// clock, which may be stepped while they wait: the age is therefore capped at kMaxAge, which
// covers any wake-up and is far below the shortest Master_Down_Interval (36 ms at advert_int
// 0.01 and priority 100), so a step can never make a Backup take over (a 1 s cap did:
// t_clock_step).
MonoTime arrival(std::optional<MonoTime> arrived, MonoTime now) {
  constexpr Microseconds kMaxAge{5'000};
  if (!arrived) return now;
  return std::clamp(*arrived, now - kMaxAge, now);
}

}  // namespace

// Reads until the queue is empty: every advert counts from when it arrived (see arrival()),
// so a deadline may be judged only once everything that arrived before it has been read.
// At most 64 batches (1,024 packets) a call, so that a flood cannot starve the timers, and,
// given `until`, no new batch from then on: adverts that each set off a transition (250
// instances preempting at once when their interface comes back, each adding its VIPs and
// sending its gratuitous ARPs) held the loop, and so every Master's next advert, for 50 ms in
// the soak (issue 15). What is left makes the level-triggered watcher call again on the next
// turn, after the timers due meanwhile; on_timerfd() drains everything (no `until`) before it
// judges a Backup's deadline. A batch that comes back short emptied the queue: no further call
// (issue 14).
void Daemon::on_socket(Socket& s, std::optional<MonoTime> until) {
  for (int i = 0; i < 64 && receive_batch(s) == kBatch; ++i) {
    if (until && clock_.now() >= *until) break;
  }
}

// Any VRRP socket with packets waiting is read first (on_timerfd, before deadlines).
void Daemon::drain_sockets() {
  std::vector<pollfd>& fds = socket_pollfds();
  if (poll(fds.data(), fds.size(), 0) <= 0) return;
  std::size_t i = 0;
  for (const auto& [key, s] : sockets_) {  // the order socket_pollfds() listed them in
    if (fds[i++].revents & POLLIN) on_socket(*s);
  }
}

// Into pollfds_, which keeps its capacity from one call to the next.
std::vector<pollfd>& Daemon::socket_pollfds() {
  pollfds_.clear();
  for (const auto& [key, s] : sockets_) pollfds_.push_back({s->socket->fd(), POLLIN, 0});
  return pollfds_;
}

std::size_t Daemon::receive_batch(Socket& s) {
  auto packets = s.socket->receive(kBatch);
  const MonoTime now = clock_.now();
  if (!packets) {
    if (unknown_log_.allow(now)) log_.warning("receive on " + s.interface + ": " + packets.error());
    return 0;
  }
  for (const AdvertSocket::Received& p : *packets) {
    const Vrid vrid = p.message.size() >= 2 ? p.message[1] : 0;
    Running* r = s.by_vrid[vrid];
    std::size_t path = 0;
    std::span<const std::uint8_t> message = p.message;
    if (r == nullptr) {  // a heartbeat path's advert (issue 11)?
      if (auto it = by_path_.find({s.interface, s.family, vrid}); it != by_path_.end()) {
        std::tie(r, path) = it->second;
        // An authenticated path's trailer is checked before anything reads the message.
        auto opened = r->instance->unseal(path, message, p.info, now);
        if (!opened) continue;
        message = *opened;
      }
    }
    using Decoding = Result<vrrp::Decoded, vrrp::DropReason>;
    auto decoded = message.empty() ? Decoding(fail(vrrp::DropReason::kTooShort))
                                   : vrrp::decode(message, p.info);
    if (!decoded) {  // counted on the instance the VRID byte names, if any
      if (r != nullptr) {
        r->instance->drop(decoded.error(), p.info, now, path);
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
    const State before = r->instance->machine().state();
    r->instance->receive(*decoded, p.info, arrival(p.arrived, now), path);
    rearm(*r);
    // A transition (a preemption, a Master stepping down) costs a hundred microseconds or
    // more: due Masters send theirs before the next packet (send_due_adverts).
    if (r->instance->machine().state() != before) send_due_adverts();
  }
  return packets->size();
}

void Daemon::index_instances() {
  by_key_.clear();
  by_path_.clear();
  for (auto& r : instances_) {
    const auto& c = r->instance->config();
    by_key_[{config::advert_device(c), c.family(), c.vrid}] = r.get();
    for (std::size_t p = 0; p < c.heartbeat_paths.size(); ++p) {
      by_path_[{c.heartbeat_paths[p].interface, c.family(), c.vrid}] = {r.get(), p + 1};
    }
  }
  users_.rebuild(config_->instances);  // aligned with instances_ (apply_config)
  for (auto& [key, s] : sockets_) index_socket(*s);
}

void Daemon::index_socket(Socket& s) const {
  s.by_vrid.fill(nullptr);
  for (const auto& [key, r] : by_key_) {
    if (std::get<0>(key) == s.interface && std::get<1>(key) == s.family) {
      s.by_vrid[std::get<2>(key)] = r;
    }
  }
}

AdvertSocket* Daemon::socket_for(const std::string& interface, Family family) {
  auto it = sockets_.find({interface, family});
  return it == sockets_.end() ? nullptr : it->second->socket.get();
}

void Daemon::monitor_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  guarded(d->log_, "link monitor", [d] { d->on_monitor(); }, [d] { d->resync_deadlines(); });
}

void Daemon::solicit_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* d = static_cast<Daemon*>(w->data);
  guarded(d->log_, "router solicitation", [d] { d->on_solicitations(); },
          [d] { d->resync_deadlines(); });
}

void Daemon::socket_cb(struct ev_loop*, ev_io* w, int) noexcept {
  auto* s = static_cast<Socket*>(w->data);
  Daemon* d = s->daemon;
  guarded(d->log_, "receive", [d, s] { d->on_socket(*s, d->clock_.now() + kReceivePerTurn); },
          [d] { d->resync_deadlines(); });
}

}  // namespace floatd::daemon
