// The VRRP state machine. Each handler names the RFC paragraph it follows; "SM-n" and
// "TMR-n" are rows of ../shared/rfc-checklist.md.
#include "vrrp/state_machine.hpp"

#include <algorithm>
#include <type_traits>

#include "vrrp/timers.hpp"

namespace floatd::vrrp {

std::string_view reason_text(Reason r) {
  switch (r) {
    case Reason::kStartup: return "startup";
    case Reason::kOwnerStartup: return "address owner (priority 255)";
    case Reason::kStartAsMaster: return "configured state MASTER";
    case Reason::kMasterDown: return "master down timer";
    case Reason::kResignReceived: return "master resigned (priority 0)";
    case Reason::kPreemptDelay: return "preempt delay elapsed";
    case Reason::kPreempt: return "preempting a lower priority master";
    case Reason::kHigherPriority: return "higher priority advert";
    case Reason::kShutdown: return "shutdown";
    case Reason::kFault: return "fault";
    case Reason::kFaultCleared: return "fault cleared";
    case Reason::kSyncGroup: return "sync group";
    case Reason::kHandover: return "handover";
    case Reason::kMaintenance: return "maintenance";
  }
  return "?";
}

StateMachine::StateMachine(Params params)
    : params_(params),
      effective_(params.priority),
      master_adver_interval_(params.advert_interval) {}

Microseconds StateMachine::skew_time() const {
  return vrrp::skew_time(params_.version, effective_, master_adver_interval_);
}

Microseconds StateMachine::master_down_interval() const {
  return vrrp::master_down_interval(params_.version, effective_, master_adver_interval_);
}

std::optional<IpAddress> StateMachine::master_address() const {
  if (state_ == State::kMaster) return primary_;
  if (state_ == State::kBackup) return master_;
  return std::nullopt;
}

std::optional<MonoTime> StateMachine::next_deadline() const {
  std::optional<MonoTime> next;
  for (const auto& t :
       {adver_timer_, master_down_timer_, preempt_at_, announce_at_, refresh_at_, release_at_}) {
    if (t && (!next || *t < *next)) next = t;
  }
  return next;
}

std::vector<Action> StateMachine::handle(const Event& event, MonoTime now) {
  Actions out;
  handle(event, now, out);
  return out;
}

std::vector<Action> StateMachine::on_tick(MonoTime now) {
  Actions out;
  on_tick(now, out);
  return out;
}

void StateMachine::handle(const Event& event, MonoTime now, Actions& out) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, Startup>) {
          if (state_ == State::kInit) on_startup(now, Reason::kStartup, out);
        } else if constexpr (std::is_same_v<E, Shutdown>) {
          on_shutdown(out);
        } else if constexpr (std::is_same_v<E, AdvertReceived>) {
          on_advert(e, now, out);
        } else if constexpr (std::is_same_v<E, PriorityChanged>) {
          on_priority(e.effective, now, out);
        } else if constexpr (std::is_same_v<E, GroupTransition>) {
          on_group(e.to_master, e.reason, now, out);
        } else if constexpr (std::is_same_v<E, Handover>) {
          if (state_ == State::kMaster) on_handover(now, Reason::kHandover, out);
        } else if constexpr (std::is_same_v<E, SetMaintenance>) {
          on_maintenance(e.on, now, out);
        } else if constexpr (std::is_same_v<E, FaultRaised>) {
          on_fault(e.reason, out);
        } else if constexpr (std::is_same_v<E, FaultCleared>) {
          on_fault_cleared(now, out);
        }
      },
      event);
  apply_hold();
  drop_stale_preemption();
}

void StateMachine::on_tick(MonoTime now, Actions& out) {
  auto due = [now](const std::optional<MonoTime>& t) { return t && *t <= now; };
  if (state_ == State::kMaster) {
    if (due(adver_timer_)) {  // RFC 5798 §6.4.3: Adver_Timer fires (SM-10, TMR-5)
      out.emplace_back(SendAdvert{effective_});
      adver_timer_ = now + Microseconds{params_.advert_interval};
    }
    if (due(announce_at_)) {  // garp_master_delay: the second burst
      out.emplace_back(Announce{params_.announce.repeat});
      announce_at_.reset();
    }
    if (due(refresh_at_)) {  // garp_master_refresh
      out.emplace_back(Announce{1});
      refresh_at_ = now + Microseconds{params_.announce.refresh};
    }
  } else if (state_ == State::kBackup) {
    if (due(release_at_)) release_vips(out);  // the new master has announced itself
    if (due(preempt_at_)) {
      become_master(now, Reason::kPreemptDelay, "", out);
    } else if (due(master_down_timer_)) {  // RFC 5798 §6.4.2: Master_Down_Timer fires (SM-5)
      const Reason why = master_resigned_ ? Reason::kResignReceived
                         : preempting_    ? Reason::kPreempt
                                          : Reason::kMasterDown;
      become_master(now, why, "", out);
    }
  }
  apply_hold();
}

// RFC 5798 §6.4.1 (SM-1, SM-2); also the way back from Fault.
void StateMachine::on_startup(MonoTime now, Reason reason, Actions& out) {
  master_adver_interval_ = initial_master_interval();
  if (fault_) {
    transition(State::kFault, Reason::kFault, *fault_, out);
  } else if (maintenance_) {
    become_backup(now, Reason::kMaintenance, "", out);
  } else if (owner()) {
    become_master(now, reason == Reason::kStartup ? Reason::kOwnerStartup : reason, "", out);
  } else if (params_.start_as_master && reason == Reason::kStartup) {
    become_master(now, Reason::kStartAsMaster, "", out);
  } else {
    become_backup(now, reason, "", out);
  }
}

// RFC 5798 §6.4.2 (SM-4) and §6.4.3 (SM-9).
void StateMachine::on_shutdown(Actions& out) {
  if (state_ == State::kInit) return;
  const bool was_master = state_ == State::kMaster;
  cancel_timers();
  transition(State::kInit, Reason::kShutdown, "", out);
  if (was_master) leave_master(out);
  if (releasing_) release_vips(out);
  master_adver_interval_ = initial_master_interval();  // TMR-3
  master_.reset();
}

void StateMachine::on_advert(const AdvertReceived& advert, MonoTime now, Actions& out) {
  if (advert.src == primary_) return;  // never our own advert (SM-15)
  if (state_ == State::kBackup) backup_advert(advert, now, out);
  if (state_ == State::kMaster) master_advert(advert, now, out);
  // Initialize and Fault ignore adverts (SM-3).
}

// RFC 5798 §6.4.2 with RFC 9568's text (SM-6, SM-7, SM-8, ERR-2, ERR-3).
void StateMachine::backup_advert(const AdvertReceived& advert, MonoTime now, Actions& out) {
  (void)out;
  if (advert.priority == 0) {  // SM-6: the master resigns; wait only Skew_Time (TMR-6)
    master_down_timer_ = now + skew_time();
    master_resigned_ = true;
    preempting_ = false;
    return;
  }
  if (releasing_) {  // after our handover: the new master is there; let its GARP land first
    const MonoTime soon = now + kReleaseGrace;
    if (!release_at_ || soon < *release_at_) release_at_ = soon;
  }
  if (!may_preempt(advert.priority)) {  // SM-7
    learn_interval(advert);
    master_ = advert.src;
    master_resigned_ = false;
    preempting_ = false;
    preempt_at_.reset();
    lower_master_.reset();
    master_down_timer_ = now + master_down_interval();
    return;
  }
  // SM-8: Preempt_Mode and a lower priority. Remember the master we are preempting, so the
  // preemption goes if our priority falls to its own (drop_stale_preemption()).
  if (!lower_master_ || lower_master_->advert.src == advert.src ||
      advert.priority >= lower_master_->advert.priority) {
    lower_master_ = LowerMaster{advert, now};
  }
  // With preempt_delay we keep the lower master for that long (keepalived's preempt_delay),
  // then take over.
  if (params_.preempt_delay.count() > 0) {
    if (!preempt_at_) preempt_at_ = now + Microseconds{params_.preempt_delay};
    learn_interval(advert);
    master_ = advert.src;
    master_resigned_ = false;
    master_down_timer_ = now + master_down_interval();
    return;
  }
  // Fast preemption. The RFC discards the advert and lets Master_Down_Timer run out, up to
  // Master_Down_Interval after the master's priority fell below ours (keepalived makes a
  // weighted tracker failure wait that long). We discard it too, but cap the timer at
  // Skew_Time: the wire sequence is the RFC's (our advert makes the master yield, SM-12),
  // only sooner, and Skew_Time still lets the highest of several backups win the race.
  if (params_.fast_preempt) {
    const MonoTime soon = now + skew_time();
    if (!master_down_timer_ || soon < *master_down_timer_) {
      master_down_timer_ = soon;
      preempting_ = true;
    }
  }
}

// RFC 5798 §6.4.3 with RFC 9568 (SM-11, SM-12, SM-13).
void StateMachine::master_advert(const AdvertReceived& advert, MonoTime now, Actions& out) {
  if (advert.priority == 0) {  // SM-11: answer at once so backups don't take over
    out.emplace_back(SendAdvert{effective_});
    adver_timer_ = now + Microseconds{params_.advert_interval};
    // Another router was master too (a healed split brain, or a preempted master resigning,
    // see below): clients may point at it, so re-announce (rate-limited).
    reannounce(now, out);
    return;
  }
  if (is_better_than_us(advert)) {  // SM-12: Preempt_Mode is not consulted here
    learn_interval(advert);
    become_backup(now, Reason::kHigherPriority, advert.src.to_string(), out);
    master_ = advert.src;
    // Not in the RFC: resign with priority 0 as we go. The new master answers at once (SM-11,
    // which also keeps other backups from acting on it) and re-announces the VIPs, so
    // clients that followed us during a split brain come back even when its advert reached
    // us before ours reached it (keepalived's users lose traffic there: its #166).
    out.emplace_back(SendAdvert{0});
    return;
  }
  // SM-13, RFC 9568 §6.4.3: a lower-priority master exists (split brain healing). Told to the
  // daemon (its hook, its event) once per Master_Down_Interval, however many adverts come.
  if (!last_lower_heard_ || now - *last_lower_heard_ >= master_down_interval()) {
    out.emplace_back(HeardLowerMaster{advert.src, advert.priority});
    last_lower_heard_ = now;
  }
  // Answer with our advert at once so it steps down, and re-announce so that switches and
  // neighbours that followed it come back; re-announce at most once per max(interval, 1 s).
  if (!params_.reassert_on_lower) return;
  out.emplace_back(SendAdvert{effective_});
  reannounce(now, out);
}

// A GARP/NA burst, at most once per max(interval, 1 s) however many adverts ask for it.
// At most one burst per three advert intervals (100 ms to 1 s): a peer that keeps advertising
// a lower priority cannot make a GARP storm, and yet every split brain that heals gets its
// burst, since the next one needs the loser's Master_Down_Interval (> 3 intervals) to form.
// (With a flat 1 s, partitions healing 0.9 s apart at 0.1 s left clients on the loser's MAC:
// t_partition.)
void StateMachine::reannounce(MonoTime now, Actions& out) {
  const Microseconds gap = std::clamp<Microseconds>(3 * Microseconds{params_.advert_interval},
                                                    std::chrono::milliseconds{100},
                                                    std::chrono::seconds{1});
  if (!last_reassert_ || now - *last_reassert_ >= gap) {
    out.emplace_back(Announce{params_.announce.repeat});
    last_reassert_ = now;
  }
}

// SM-14: comparisons use the effective priority. An owner stays at 255 (MODE-8).
// A Master advertises a changed priority at once rather than at its next Adver_Timer, so
// that a preempting backup can take over within its Skew_Time (see backup_advert()).
void StateMachine::on_priority(Priority effective, MonoTime now, Actions& out) {
  if (owner()) return;
  const Priority next = std::clamp<Priority>(effective, 1, 254);
  if (next == effective_) return;
  effective_ = next;
  if (state_ == State::kMaster) {
    out.emplace_back(SendAdvert{effective_});
    adver_timer_ = now + Microseconds{params_.advert_interval};
  }
}

// Sync groups: a member follows the group. To Master at once from Backup; to Backup from
// Master, resigning with priority 0 so the peers' group takes over within Skew_Time.
// A member in maintenance stays Backup; a Master leaves like a handover (make before break:
// its VIPs go once the new master is heard).
void StateMachine::on_group(bool master, const std::string& why, MonoTime now, Actions& out) {
  if (master && state_ == State::kBackup && !maintenance_) {
    become_master(now, Reason::kSyncGroup, why, out);
  } else if (!master && state_ == State::kMaster) {
    on_handover(now, Reason::kSyncGroup, out, why);
  }
}

void StateMachine::on_fault(const std::string& reason, Actions& out) {
  fault_ = reason;
  if (state_ == State::kBackup || state_ == State::kMaster) {
    const bool was_master = state_ == State::kMaster;
    cancel_timers();
    transition(State::kFault, Reason::kFault, reason, out);
    if (was_master) leave_master(out);  // a Master first sends priority 0 (SM-17)
    if (releasing_) release_vips(out);
    master_.reset();
  }
}

void StateMachine::on_fault_cleared(MonoTime now, Actions& out) {
  fault_.reset();
  if (state_ == State::kFault) on_startup(now, Reason::kFaultCleared, out);
}

// RFC 5798 §6.4.1 / §6.4.2 (SM-1, SM-5): advert, VIPs, GARP/NA, Adver_Timer.
void StateMachine::become_master(MonoTime now, Reason reason, std::string detail, Actions& out) {
  cancel_timers();
  transition(State::kMaster, reason, std::move(detail), out);
  out.emplace_back(SendAdvert{effective_});
  out.emplace_back(AddVips{});
  out.emplace_back(Announce{params_.announce.repeat});
  adver_timer_ = now + Microseconds{params_.advert_interval};
  if (params_.announce.delay.count() > 0) announce_at_ = now + Microseconds{params_.announce.delay};
  if (params_.announce.refresh.count() > 0) {
    refresh_at_ = now + Microseconds{params_.announce.refresh};
  }
  master_.reset();
  master_resigned_ = false;
  last_lower_heard_.reset();  // each time Master: the first lower Master heard is news
  preempting_ = false;
  hold_ = false;
  releasing_ = false;  // the VIPs were still there: AddVips above is a no-op for them
}

// RFC 5798 §6.4.1 (SM-2) and §6.4.3 (SM-12): Master_Down_Timer := Master_Down_Interval.
void StateMachine::become_backup(MonoTime now, Reason reason, std::string detail, Actions& out) {
  const bool was_master = state_ == State::kMaster;
  cancel_timers();
  transition(State::kBackup, reason, std::move(detail), out);
  if (was_master) out.emplace_back(RemoveVips{});
  master_down_timer_ = now + master_down_interval();
  master_resigned_ = false;
  preempting_ = false;
}

void StateMachine::leave_master(Actions& out) {
  out.emplace_back(SendAdvert{0});  // PKT-14: priority 0 only when resigning
  out.emplace_back(RemoveVips{});
}

void StateMachine::transition(State to, Reason reason, std::string detail, Actions& out) {
  out.emplace_back(StateChanged{state_, to, reason, std::move(detail)});
  state_ = to;
}

// TMR-3: Master_Adver_Interval starts at Advertisement_Interval. In v2_compat a Backup that has
// heard nobody yet may be behind a VRRPv2 Master, which advertises at whole seconds: timing out
// on our sub-second rate would take over between two of its adverts (a second Master for a
// moment, which the migration must not cause). So it starts at our interval or at one whole
// second, v2's shortest (0.1 s -> 1 s), and learns the Master's rate from its first advert
// (IOP-3). A cold start with no Master takes up to 3 s longer; only this mode pays it.
Centiseconds StateMachine::initial_master_interval() const {
  if (!params_.v2_compat) return params_.advert_interval;
  return std::max(params_.advert_interval, Centiseconds{100});
}

// v3 learns the master's interval and recomputes Skew_Time and Master_Down_Interval with it
// (SM-7 with ERR-2, SM-12, TMR-3). v2 never learns (TMR-4): RX-9 enforced equality.
void StateMachine::learn_interval(const AdvertReceived& advert) {
  if (params_.version == Version::kV3) master_adver_interval_ = advert.interval;
}

void StateMachine::on_handover(MonoTime now, Reason reason, Actions& out, std::string detail) {
  cancel_timers();
  transition(State::kBackup, reason, std::move(detail), out);
  out.emplace_back(SendAdvert{0});  // SM-9's advert without leaving: the best backup takes over
  releasing_ = true;
  hold_ = true;
  master_.reset();
  master_resigned_ = false;
  master_down_timer_ = now + master_down_interval();  // nobody took over: take it back
  // Release anyway if nobody came (and we may not take it back: maintenance).
  release_at_ = now + master_down_interval() + kReleaseGrace;
}

void StateMachine::on_maintenance(bool on, MonoTime now, Actions& out) {
  maintenance_ = on;
  if (on) {
    if (state_ == State::kMaster) on_handover(now, Reason::kMaintenance, out);
    return;
  }
  hold_ = false;
  if (state_ == State::kBackup && !master_down_timer_) {
    master_down_timer_ = now + master_down_interval();
  }
}

void StateMachine::release_vips(Actions& out) {
  out.emplace_back(RemoveVips{});
  releasing_ = false;
  release_at_.reset();
}

// In maintenance a Backup never takes over: no Master_Down_Timer, no preemption.
void StateMachine::apply_hold() {
  if (!maintenance_ || state_ != State::kBackup) return;
  master_down_timer_.reset();
  preempt_at_.reset();
  lower_master_.reset();
}

// SM-8 with SM-14: may a Backup preempt a master advertising `theirs`? Preempt_Mode (or we own
// the address, MODE-2), not held after a handover, and a strictly lower priority than our
// effective one (equal is accepted, SM-7). Maintenance is apply_hold()'s.
bool StateMachine::may_preempt(Priority theirs) const {
  return (params_.preempt || owner()) && !hold_ && theirs < effective_;
}

// A preemption lasts only while the condition that armed it holds. When our priority fell to
// the lower master's or below, or preemption is no longer allowed (a reload, a handover's
// hold), its pending preempt_delay and the fast path's cut down timer go, and its last advert
// counts as accepted when it was heard (SM-7): the down timer runs from it, so a master that
// lives is not taken over between two of its adverts.
void StateMachine::drop_stale_preemption() {
  if (state_ != State::kBackup || !lower_master_) return;
  if (preempt_at_ && params_.preempt_delay.count() == 0) preempt_at_.reset();  // reloaded
  if (may_preempt(lower_master_->advert.priority)) return;
  const LowerMaster lower = *lower_master_;
  lower_master_.reset();
  preempt_at_.reset();
  if (master_resigned_) return;  // it resigned since: Skew_Time runs (SM-6)
  learn_interval(lower.advert);
  master_ = lower.advert.src;
  preempting_ = false;
  const MonoTime down = lower.heard + master_down_interval();
  if (!master_down_timer_ || *master_down_timer_ < down) master_down_timer_ = down;
}

void StateMachine::reconfigure(const Params& params, MonoTime now) {
  const bool interval_changed = params.advert_interval != params_.advert_interval;
  params_ = params;
  if (params_.priority == kOwnerPriority) effective_ = kOwnerPriority;
  if (state_ == State::kMaster && interval_changed) {
    adver_timer_ = now + Microseconds{params_.advert_interval};
  }
  if (params_.version == Version::kV2 || state_ != State::kBackup) {
    master_adver_interval_ = params_.advert_interval;  // v2 never learns (TMR-4)
  }
  if (state_ == State::kBackup && params_.v2_compat && !master_) {
    master_adver_interval_ = initial_master_interval();  // nobody heard yet
  }
  if (params_.announce.refresh.count() == 0) refresh_at_.reset();
  apply_hold();
  drop_stale_preemption();
}

void StateMachine::cancel_timers() {
  lower_master_.reset();  // what armed preempt_at_ (and a cut master_down_timer_)
  release_at_.reset();
  adver_timer_.reset();
  master_down_timer_.reset();
  preempt_at_.reset();
  announce_at_.reset();
  refresh_at_.reset();
}

// RFC 5798 §6.4.3 / RFC 9568: higher priority, or equal priority and a higher primary
// address (unsigned compare in network byte order, ERR-4).
bool StateMachine::is_better_than_us(const AdvertReceived& advert) const {
  if (advert.priority != effective_) return advert.priority > effective_;
  return advert.src > primary_;
}

}  // namespace floatd::vrrp
