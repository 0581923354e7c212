#include "daemon/instance.hpp"

#include <algorithm>
#include <functional>
#include <type_traits>
#include <utility>

#include "vrrp/packet.hpp"

namespace floatd::daemon {
namespace {

vrrp::Params machine_params(const config::InstanceConfig& c) {
  vrrp::Params p;
  p.version = c.version;
  p.priority = c.priority;
  p.advert_interval = c.advert_int;
  p.preempt = c.preempt;
  p.preempt_delay = c.preempt_delay;
  p.start_as_master = c.initial_state == State::kMaster;
  p.v2_compat = c.v2_compat;
  p.announce = vrrp::AnnounceParams{c.garp.repeat, c.garp.delay, c.garp.refresh};
  return p;
}

std::array<std::uint8_t, 8> auth_bytes(const config::AuthConfig& auth) {
  std::array<std::uint8_t, 8> out{};
  if (auth.type == config::AuthType::kPass) {
    std::copy_n(auth.pass.begin(), std::min<std::size_t>(auth.pass.size(), 8), out.begin());
  }
  return out;
}

vrrp::RxPolicy rx_policy(const config::InstanceConfig& c) {
  vrrp::RxPolicy p;
  p.version = c.version;
  p.v2_compat = c.v2_compat;
  p.v3_ipv4_checksum =
      c.v3_checksum_as_v2 ? vrrp::ChecksumForm::kMessageOnly : vrrp::ChecksumForm::kPseudoHeader;
  p.advert_interval = c.advert_int;
  p.auth_type = c.auth.type == config::AuthType::kPass ? vrrp::kV2AuthPass : vrrp::kV2AuthNone;
  p.auth_data = auth_bytes(c.auth);
  // RFC 5798 §5.2.9 (PKT-7): the virtual link-local first, when the instance has one; the
  // same list is what a peer's advert is compared with (RX-14).
  for (const auto& a : config::held_addresses(c)) p.vips.push_back(a.prefix.address);
  p.owner = c.priority == kOwnerPriority;
  return p;
}

std::optional<vrrp::RaSchedule> ra_schedule(const config::InstanceConfig& c) {
  if (!c.send_ra || !c.virtual_link_local) return std::nullopt;
  // Repeatable per instance; two routers drawing the same intervals do no harm: only the
  // Master sends.
  const auto seed = static_cast<std::uint32_t>(std::hash<std::string>{}(c.interface + c.name) ^
                                               (std::uint32_t{c.vrid} << 16));
  return vrrp::RaSchedule(c.ra.effective_min_interval(), c.ra.max_interval, seed);
}

}  // namespace

Instance::Instance(config::InstanceConfig config, Ports& ports, Log& log)
    : Instance(std::make_shared<const config::InstanceConfig>(std::move(config)), ports, log) {}

Instance::Instance(std::shared_ptr<const config::InstanceConfig> config, Ports& ports, Log& log)
    : config_(std::move(config)),
      ports_(ports),
      log_(log),
      machine_(machine_params(*config_)),
      rx_policy_(rx_policy(*config_)),
      log_prefix_(config_->interface + "/" + std::to_string(config_->vrid) + "/" +
                  std::string(family_name(config_->family())) + " " + config_->name),
      paths_(*config_),
      ra_(ra_schedule(*config_)) {}

const std::string& Instance::out_device() const { return config::advert_device(*config_); }

void Instance::update_interface(const InterfaceInfo* iface, MonoTime now) {
  std::optional<std::string> fault;
  if (iface == nullptr) {
    fault = "interface " + config_->interface + " does not exist";
  } else if (!iface->usable()) {
    fault = "link " + config_->interface + (iface->link.admin_up ? " has no carrier" : " is down");
  }
  // PKT-11: IPv4 adverts come from the interface's primary address, IPv6 from its link-local.
  std::optional<IpAddress> source = config_->unicast_src_ip;
  if (!source && iface != nullptr) {
    source = config_->family() == Family::kIPv4 ? iface->primary_v4() : iface->link_local_v6();
  }
  if (!fault && !source) {
    fault = std::string("no ") +
            (config_->family() == Family::kIPv4 ? "IPv4 address" : "IPv6 link-local address") +
            " on " + config_->interface + " to send adverts from";
  }
  link_usable_ = iface != nullptr && iface->usable();
  if (source && source != source_) {
    source_ = source;
    machine_.set_primary_address(*source);
  } else if (!source) {
    source_.reset();  // the address went away: no priority-0 advert from it on the way to FAULT
  }
  set_fault(FaultSource::kLink, fault, now);
  std::vector<vrrp::PathChange> changes;
  paths_.watch().set_link(0, fault, now, changes);
  report_paths(changes, now);
}

void Instance::update_path(std::size_t path, const InterfaceInfo* iface, MonoTime now) {
  if (path == 0 || path >= paths_.size()) return;
  std::vector<vrrp::PathChange> changes;
  paths_.watch().set_link(path, paths_.update_interface(path, iface, config_->family()), now,
                          changes);
  report_paths(changes, now);
}

std::optional<MonoTime> Instance::next_deadline() const {
  auto machine = machine_.next_deadline();
  if (ra_ && ra_->next_deadline()) {
    machine = machine ? std::min(*machine, *ra_->next_deadline()) : ra_->next_deadline();
  }
  if (!paths_.any()) return machine;
  auto path = paths_.watch().next_deadline(machine_.master_down_interval());
  if (!path) return machine;
  return machine ? std::min(*machine, *path) : path;
}

// A Backup watches its paths (path_watch.hpp); any other state does not hear a Master.
void Instance::watch_paths(MonoTime now) {
  if (!paths_.any()) return;
  std::vector<vrrp::PathChange> changes;
  paths_.watch().set_watching(machine_.state() == State::kBackup, now, changes);
  report_paths(changes, now);
}

// One log line per change, rate-limited, and the hook (the daemon's path_down / path_up).
void Instance::report_paths(const std::vector<vrrp::PathChange>& changes, MonoTime now) {
  if (!paths_.any()) return;
  for (const auto& change : changes) {
    if (auto suppressed = path_log_.allow(now)) {
      std::string line = log_prefix_ + ": path " + (change.alarm() ? "DOWN " : "up ") +
                         change.reason;
      if (*suppressed > 0) line += " (" + std::to_string(*suppressed) + " similar suppressed)";
      if (change.alarm()) {
        log_.warning(line);
      } else {
        log_.notice(line);
      }
    }
    if (path_hook_) path_hook_(*this, change);
  }
}

void Instance::set_fault(FaultSource source, std::optional<std::string> reason, MonoTime now) {
  const auto current = faults_.find(source);
  if (reason ? (current != faults_.end() && current->second == *reason) : current == faults_.end()) {
    return;  // nothing changes
  }
  const bool was_faulted = !faults_.empty();
  if (reason) {
    auto it = faults_.find(source);
    // The transition line names the first fault; later or changed ones get a line of their own.
    if (was_faulted && (it == faults_.end() || it->second != *reason)) {
      log_.notice(log_prefix_ + ": fault (" + std::string(fault_source_name(source)) + "): " + *reason);
    }
    faults_[source] = *reason;
  } else {
    faults_.erase(source);
  }
  if (!faults_.empty() && (!was_faulted || reason)) {
    handle(vrrp::FaultRaised{faults_.begin()->second}, now);
  } else if (faults_.empty() && was_faulted) {
    handle(vrrp::FaultCleared{}, now);
  }
}

void Instance::set_tracking(const track::PriorityResult& result, MonoTime now) {
  handle(vrrp::PriorityChanged{result.effective}, now);
  std::optional<std::string> fault;
  for (const auto& f : result.faults) fault = fault ? *fault + "; " + f : f;
  set_fault(FaultSource::kTrack, fault, now);
}

void Instance::group_transition(bool to_master, const std::string& reason, MonoTime now) {
  handle(vrrp::GroupTransition{to_master, reason}, now);
}

std::optional<std::string> Instance::own_fault() const {
  for (const auto& [source, reason] : faults_) {
    if (source != FaultSource::kSyncGroup) return reason;
  }
  return std::nullopt;
}

void Instance::reconfigure(config::InstanceConfig next, MonoTime now) {
  reconfigure(std::make_shared<const config::InstanceConfig>(std::move(next)), now);
}

void Instance::rebind(std::shared_ptr<const config::InstanceConfig> same) { config_ = std::move(same); }

void Instance::reconfigure(std::shared_ptr<const config::InstanceConfig> next_config, MonoTime now) {
  const config::InstanceConfig& next = *next_config;
  const bool holds_vips = machine_.state() == State::kMaster || machine_.releasing();
  if (holds_vips) {
    auto has = [](const config::InstanceConfig& c, const config::VirtualIp& v) {
      const auto held = config::held_addresses(c);
      return std::any_of(held.begin(), held.end(), [&](const config::VirtualIp& w) {
        return w.prefix == v.prefix && config::vip_device(c, w) == config::vip_device(c, v);
      });
    };
    for (const auto& vip : config::held_addresses(*config_)) {
      if (!has(next, vip)) remove_vip(config::vip_device(*config_, vip), vip, now);
    }
    for (const auto& vip : config::held_addresses(next)) {
      if (has(*config_, vip)) continue;
      const std::string& dev = config::vip_device(next, vip);
      add_vip(dev, vip, now);
      for (int i = 0; i < next.garp.repeat; ++i) (void)ports_.announce(dev, vip.prefix.address);
    }
  }
  // RAs whose settings a reload changes: the old ones end with a final RA, the new ones start
  // at once (RFC 4861 §6.2.4 treats changed information as a new interface); unchanged, the
  // schedule keeps running.
  const bool ra_changed = next.send_ra != config_->send_ra || next.ra != config_->ra ||
                          next.virtual_link_local != config_->virtual_link_local;
  if (ra_changed && ra_ && ra_->active()) send_router_advert(true, now);
  const bool next_paths_differ = next.heartbeat_paths != config_->heartbeat_paths ||
                                 next.interface != config_->interface;
  config_ = std::move(next_config);
  machine_.reconfigure(machine_params(*config_), now);
  rx_policy_ = rx_policy(*config_);
  advert_cache_.clear();
  mixed_.clear();
  if (next_paths_differ) {
    paths_ = HeartbeatPaths(*config_);
    strangers_.clear();
  }
  log_prefix_ = config_->interface + "/" + std::to_string(config_->vrid) + "/" +
                std::string(family_name(config_->family())) + " " + config_->name;
  source_.reset();  // unicast_src_ip may have changed: update_interface() picks it again
  if (ra_changed) ra_ = ra_schedule(*config_);
  update_router_advert(now);
}

void Instance::handover(MonoTime now) { handle(vrrp::Handover{}, now); }

void Instance::set_maintenance(bool on, MonoTime now) {
  if (on != machine_.maintenance()) {
    log_.notice(log_prefix_ + ": maintenance " + (on ? "on" : "off"));
  }
  handle(vrrp::SetMaintenance{on}, now);
}

void Instance::start(MonoTime now) { handle(vrrp::Startup{}, now); }

void Instance::stop(MonoTime now) { handle(vrrp::Shutdown{}, now); }

void Instance::solicited(MonoTime now) {
  if (!ra_ || !ra_->active()) return;  // RFC 5798 §8.2.3: a Backup does not answer
  ++stats_.solicitations_heard;
  ra_->solicited(now);
}

void Instance::tick(MonoTime now) {
  handle(std::nullopt, now);
  if (ra_ && ra_->due(now)) {
    send_router_advert(false, now);
    ra_->sent(now);
  }
  if (!paths_.any()) return;
  std::vector<vrrp::PathChange> changes;
  paths_.watch().tick(now, machine_.master_down_interval(), changes);
  report_paths(changes, now);
}

std::optional<std::span<const std::uint8_t>> Instance::unseal(
    std::size_t path, std::span<const std::uint8_t> payload, const vrrp::PacketInfo& info,
    MonoTime now) {
  if (path == 0 || !paths_.authenticated()) return payload;
  auto opened = paths_.unseal(path, payload, info);
  if (!opened) {
    drop(opened.error(), info, now, path);
    return std::nullopt;
  }
  return *opened;
}

void Instance::receive(const vrrp::Decoded& decoded, const vrrp::PacketInfo& info, MonoTime now,
                       std::size_t path) {
  const auto is_source = [&](const config::UnicastPeer& p) { return p.address == info.src; };
  const bool not_peer =
      path > 0 ? !paths_.is_peer(path, info.src)  // issue 11: a path's adverts come from its peers
               : config_->unicast() && std::none_of(config_->unicast_peers.begin(),
                                                   config_->unicast_peers.end(), is_source);
  if (not_peer) {
    drop(vrrp::DropReason::kNotPeer, info, now, path);  // RX-17
    return;
  }
  const vrrp::RxVerdict verdict = vrrp::check_for_instance(decoded, info, rx_policy_);
  if (verdict.drop) {
    drop(*verdict.drop, info, now, path);
    return;
  }
  std::uint32_t warnings = verdict.warnings;
  if (!counts_in_mixed(decoded, info, warnings, path, now)) return;
  if (!obeys_strangers(decoded, info, warnings, path, now)) return;
  ++stats_.adverts_received;
  if (decoded.advert.version == Version::kV2 && config_->v2_compat) ++stats_.v2_adverts_received;
  ++paths_.stats(path).adverts_in;
  // RX-8, RX-11, RX-12, RX-14 and MODE-6: counted per advert, logged once per change.
  const vrrp::AdvertSeen seen{info.src, decoded.advert.priority, decoded.advert.interval,
                              warnings};
  for (const vrrp::Observed& o : findings_.observe(seen, machine_.effective_priority(), now)) {
    ++stats_.finding(o.finding.kind);
    if (o.log) warn(vrrp::describe(o.finding, config_->advert_int), now);
  }
  if (paths_.any()) {
    std::vector<vrrp::PathChange> changes;
    paths_.watch().heard(path, info.src, now, changes);
    report_paths(changes, now);
  }
  handle(vrrp::AdvertReceived{decoded.advert.priority, decoded.advert.interval, info.src}, now);
}

// v2_compat (RFC 5798 / RFC 9568 §8.4.2): a v2 advert from a router that also sends v3 is its
// copy for v2-only peers. It is ignored, counted under its own reason and not logged (it is
// the mode working); the v3-only Master (IOP-3) and the v2 router that outranks our
// sub-second rate (IOP-4) are warned about, once each.
bool Instance::counts_in_mixed(const vrrp::Decoded& decoded, const vrrp::PacketInfo& info,
                               std::uint32_t& warnings, std::size_t path, MonoTime now) {
  if (!config_->v2_compat) return true;
  const auto mixed = mixed_.heard(decoded.advert, info.src, machine_.effective_priority(),
                                  config_->advert_int, now);
  if (mixed.ignore) {
    stats_.drops.add(vrrp::DropReason::kV2Shadowed);
    if (path < paths_.size()) ++paths_.stats(path).drops;
    return false;
  }
  if (mixed.warnings & vrrp::kWarnV3OnlyPeer) {
    ++stats_.v3_only_peer;
    warn("v2_compat: the VRRPv3 router " + info.src.to_string() +
             " sends no VRRPv2 adverts: VRRPv2-only routers do not hear it (RFC 5798 8.4.2); "
             "fine once none is left, then set v2_compat = no",
         now);
  }
  if (mixed.warnings & vrrp::kWarnV2Outranks) {
    ++stats_.v2_outranks;
    warn("v2_compat: the VRRPv2-only router " + info.src.to_string() + " has priority " +
             std::to_string(decoded.advert.priority) + ", above ours, while we advertise every " +
             std::to_string(config_->advert_int.count()) +
             " cs: it should not (RFC 9568 8.4.2.1.1); give it a lower priority",
         now);
  }
  warnings |= mixed.warnings;
  return true;
}

// strict_peers (issue 11): a source that is not a known peer, or a known one whose address
// list is not ours, is another virtual router on our VRID. Obeying it would hand our VIPs to a
// stranger (or take its); it is dropped under its own reason and raised as an alarm.
bool Instance::obeys_strangers(const vrrp::Decoded&, const vrrp::PacketInfo& info,
                               std::uint32_t warnings, std::size_t path, MonoTime now) {
  if (!config_->strict_peers) return true;
  std::optional<vrrp::DropReason> refused;
  const auto known = config_->known_peers();
  if (std::find(known.begin(), known.end(), info.src) == known.end()) {
    refused = vrrp::DropReason::kStranger;
  } else if (warnings & vrrp::kWarnAddressMismatch) {
    refused = vrrp::DropReason::kAddressList;
  }
  if (!refused) return true;
  drop(*refused, info, now, path);
  stranger(info.src, *refused, now);
  return false;
}

void Instance::stranger(const IpAddress& source, vrrp::DropReason reason, MonoTime now) {
  auto it = std::find_if(strangers_.begin(), strangers_.end(),
                         [&](const Stranger& s) { return s.source == source; });
  if (it == strangers_.end()) {
    if (strangers_.size() >= kMaxStrangers) {  // forget the one heard from longest ago
      strangers_.erase(std::min_element(
          strangers_.begin(), strangers_.end(),
          [](const Stranger& a, const Stranger& b) { return a.last_seen < b.last_seen; }));
    }
    strangers_.push_back({source, reason, 0, now, now, now - kStrangerRealarm});
    it = std::prev(strangers_.end());
  }
  // A stranger that now sends our address list (or stops) is news: raised at once.
  const bool changed = it->count > 0 && it->reason != reason;
  ++it->count;
  it->reason = reason;
  it->last_seen = now;
  if (!changed && now - it->alarmed < kStrangerRealarm) return;
  it->alarmed = now;
  log_.warning(log_prefix_ + ": advert from " + source.to_string() + " refused: " +
               std::string(vrrp::drop_reason_text(reason)) +
               "; another virtual router uses VRID " + std::to_string(config_->vrid) +
               " on this link? (not obeyed)");
  if (stranger_hook_) stranger_hook_(*this, *it);
}

void Instance::drop(vrrp::DropReason reason, const vrrp::PacketInfo& info, MonoTime now,
                    std::size_t path) {
  stats_.drops.add(reason);
  if (path < paths_.size()) ++paths_.stats(path).drops;
  if (auto suppressed = drop_log_.allow(now)) {
    std::string line = log_prefix_ + ": dropped advert from " + info.src.to_string() +
                       (path > 0 ? " on " + paths_.interface(path) : std::string()) + ": " +
                       std::string(vrrp::drop_reason_text(reason));
    if (*suppressed > 0) line += " (" + std::to_string(*suppressed) + " similar suppressed)";
    log_.notice(line);
  }
}

// The machine's actions for `event` (nullopt: its due timers) go into a vector this instance
// keeps, so that the steady state (a Master's periodic advert, a Backup hearing its Master)
// allocates nothing once its capacity is there (issue 14). A hook that re-enters this instance
// (a sync group) finds the spare empty while the outer call holds it, and gets a vector of its
// own rather than one that is being read.
void Instance::handle(const std::optional<vrrp::Event>& event, MonoTime now) {
  std::vector<vrrp::Action> actions = std::move(spare_actions_);
  actions.clear();
  if (event) {
    machine_.handle(*event, now, actions);
  } else {
    machine_.on_tick(now, actions);
  }
  run(actions, now);
  actions.clear();
  if (actions.capacity() >= spare_actions_.capacity()) spare_actions_ = std::move(actions);
}

// Whether this run makes a Master because the old one is silent (Master_Down_Timer, SM-5):
// only then does nobody answer for the VIPs, so announcing before adding them loses nothing.
// After a resignation (a handover's old Master answers until it hears us) or a preemption (the
// old Master answers until our advert reaches it), the addresses go in before the GARP that
// sends the clients to us, or a packet sent in between meets no address.
bool Instance::master_is_gone(const std::vector<vrrp::Action>& actions) {
  return std::any_of(actions.begin(), actions.end(), [](const vrrp::Action& a) {
    const auto* change = std::get_if<vrrp::StateChanged>(&a);
    return change != nullptr && change->to == State::kMaster &&
           change->reason == vrrp::Reason::kMasterDown;
  });
}

// The wire and the kernel first, the bookkeeping after: a new Master's advert and gratuitous
// ARPs go out before the log line, notify scripts, sync group and control events of its
// transition (they cost tens of microseconds each, the whole takeover budget). When the old
// Master is gone, the VIPs of AddVips are added after the announcements (add_vips): before a
// RemoveVips, or at the end; otherwise where AddVips stands, before them.
void Instance::run(const std::vector<vrrp::Action>& actions, MonoTime now) {
  const bool announce_first = master_is_gone(actions);
  bool adds_due = false;
  for (const auto& action : actions) {
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, vrrp::SendAdvert>) {
            send_advert(a.priority, now);
          } else if constexpr (std::is_same_v<A, vrrp::AddVips>) {
            if (announce_first) {
              adds_due = true;
            } else {
              add_vips(now);
            }
          } else if constexpr (std::is_same_v<A, vrrp::RemoveVips>) {
            if (std::exchange(adds_due, false)) add_vips(now);
            change_vips(false, now);
          } else if constexpr (std::is_same_v<A, vrrp::Announce>) {
            announce(a.count, now);
          }
        },
        action);
  }
  if (adds_due) add_vips(now);
  update_router_advert(now);
  for (const auto& action : actions) {
    if (const auto* change = std::get_if<vrrp::StateChanged>(&action)) {
      ++stats_.transitions;
      log_transition(*change);
      if (hook_) hook_(*this, *change);
    } else if (const auto* lower = std::get_if<vrrp::HeardLowerMaster>(&action)) {
      log_.info(log_prefix_ + ": heard a lower-priority Master, " + lower->source.to_string() +
                " (priority " + std::to_string(lower->priority) + ")");
      if (lower_hook_) lower_hook_(*this, *lower);
    }
  }
  watch_paths(now);
}

void Instance::log_transition(const vrrp::StateChanged& change) {
  log_.info(log_prefix_ + ": " + vrrp::transition_text(change));
}

void Instance::warn(const std::string& message, MonoTime now) {
  if (auto suppressed = warn_log_.allow(now)) {
    std::string line = log_prefix_ + ": " + message;
    if (*suppressed > 0) line += " (" + std::to_string(*suppressed) + " similar suppressed)";
    log_.warning(line);
  }
}

}  // namespace floatd::daemon
