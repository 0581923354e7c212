// The VRRP state machine of one virtual router (RFC 5798 §6 with RFC 9568's clarifications,
// RFC 3768 §6 for VRRPv2), plus floatd's Fault state, preempt_delay and GARP repetition.
//
// Pure: events in, actions out, deadlines as data. It never reads a clock: every call gets
// `now`, and the daemon arms one timer at next_deadline() and calls on_tick() when it fires.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vrrp/events.hpp"

namespace floatd::vrrp {

struct AnnounceParams {
  int repeat = 5;                  // garp_master_repeat: announcements per burst
  Centiseconds delay{500};         // garp_master_delay: second burst (0 = none)
  Centiseconds refresh{0};         // garp_master_refresh: periodic re-announce (0 = off)
};

struct Params {
  Version version = Version::kV3;
  Priority priority = kDefaultPriority;  // configured; 255 = address owner
  Centiseconds advert_interval{100};     // Advertisement_Interval
  bool preempt = true;                   // Preempt_Mode (MODE-1)
  Centiseconds preempt_delay{0};
  bool start_as_master = false;          // state = MASTER
  bool reassert_on_lower = true;         // RFC 9568 §6.4.3 (SM-13); keepalived's default
  bool fast_preempt = true;              // preempt after Skew_Time, not Master_Down_Interval
  // v2_compat (RFC 5798 / RFC 9568 §8.4.2): until a Master is heard, time out on the VRRPv2
  // rate (whole seconds), since the Master may be a v2 router (see initial_master_interval()).
  bool v2_compat = false;
  AnnounceParams announce;
};

class StateMachine {
 public:
  explicit StateMachine(Params params);

  std::vector<Action> handle(const Event& event, MonoTime now);
  std::vector<Action> on_tick(MonoTime now);       // runs every deadline <= now
  // The same, appending to `out`: a caller that keeps one vector pays no allocation per
  // advert once its capacity is there (issue 14: the steady state allocates nothing).
  void handle(const Event& event, MonoTime now, std::vector<Action>& out);
  void on_tick(MonoTime now, std::vector<Action>& out);
  std::optional<MonoTime> next_deadline() const;   // the earliest armed deadline

  // Our primary address on the interface: the tie-break key against equal priorities
  // (RFC 5798 §6.4.3). The instance layer sets it when the interface's address changes.
  void set_primary_address(const IpAddress& address) { primary_ = address; }

  State state() const { return state_; }
  const Params& params() const { return params_; }
  bool owner() const { return params_.priority == kOwnerPriority; }
  Priority effective_priority() const { return effective_; }
  Centiseconds master_adver_interval() const { return master_adver_interval_; }
  Microseconds skew_time() const;
  Microseconds master_down_interval() const;
  // The current master: ours when Master, the last accepted advert's source when Backup.
  std::optional<IpAddress> master_address() const;
  bool maintenance() const { return maintenance_; }
  bool holding() const { return hold_; }          // no preempting back after a handover
  bool releasing() const { return releasing_; }   // Backup still holding VIPs after a handover

  // A reload changed the instance's settings but not its identity: keep the state and the
  // timers that still make sense. The tracking layer re-applies the effective priority.
  void reconfigure(const Params& params, MonoTime now);

  // How long a handing-over router keeps its VIPs after hearing the new master: time for
  // the new master's gratuitous ARP / NA to reach the clients.
  static constexpr Microseconds kReleaseGrace{100'000};

 private:
  using Actions = std::vector<Action>;

  void on_startup(MonoTime now, Reason reason, Actions& out);
  void on_shutdown(Actions& out);
  void on_advert(const AdvertReceived& advert, MonoTime now, Actions& out);
  void backup_advert(const AdvertReceived& advert, MonoTime now, Actions& out);
  void master_advert(const AdvertReceived& advert, MonoTime now, Actions& out);
  void on_priority(Priority effective, MonoTime now, Actions& out);
  void on_group(bool master, const std::string& why, MonoTime now, Actions& out);
  void on_handover(MonoTime now, Reason reason, Actions& out, std::string detail = {});
  void on_maintenance(bool on, MonoTime now, Actions& out);
  void release_vips(Actions& out);
  void reannounce(MonoTime now, Actions& out);
  void apply_hold();
  void drop_stale_preemption();
  bool may_preempt(Priority theirs) const;
  void on_fault(const std::string& reason, Actions& out);
  void on_fault_cleared(MonoTime now, Actions& out);

  void become_master(MonoTime now, Reason reason, std::string detail, Actions& out);
  void become_backup(MonoTime now, Reason reason, std::string detail, Actions& out);
  void leave_master(Actions& out);  // priority-0 advert, VIPs away (SM-9)
  void transition(State to, Reason reason, std::string detail, Actions& out);
  void learn_interval(const AdvertReceived& advert);  // v3 only (SM-7, SM-12, TMR-3)
  Centiseconds initial_master_interval() const;
  void cancel_timers();
  bool is_better_than_us(const AdvertReceived& advert) const;

  Params params_;
  State state_ = State::kInit;
  Priority effective_;
  Centiseconds master_adver_interval_;
  IpAddress primary_;
  std::optional<IpAddress> master_;
  std::optional<std::string> fault_;  // set while a fault is raised
  bool master_resigned_ = false;      // Backup: the down timer runs on Skew_Time (SM-6)
  bool preempting_ = false;           // Backup: the down timer was cut short by a lower master
  bool maintenance_ = false;          // held as Backup, never taking over
  bool hold_ = false;                 // after a handover: do not preempt back
  bool releasing_ = false;            // Backup after a handover, VIPs not yet removed

  // Backup: the lower master whose adverts armed a preemption (SM-8), the highest priority
  // heard, and when it was last heard. Kept while preempt_at_ or the fast path's cut down
  // timer is armed, so that both can be called off when we may no longer preempt it.
  struct LowerMaster {
    AdvertReceived advert;
    MonoTime heard;
  };
  std::optional<LowerMaster> lower_master_;

  std::optional<MonoTime> adver_timer_;        // Master: next periodic advert
  std::optional<MonoTime> master_down_timer_;  // Backup: when the master is declared dead
  std::optional<MonoTime> preempt_at_;         // Backup: preempt_delay running
  std::optional<MonoTime> announce_at_;        // Master: second GARP/NA burst
  std::optional<MonoTime> refresh_at_;         // Master: periodic re-announce
  std::optional<MonoTime> last_reassert_;      // Master: last re-announce answering a lower advert
  std::optional<MonoTime> last_lower_heard_;   // Master: last HeardLowerMaster (SM-13)
  std::optional<MonoTime> release_at_;         // Backup after a handover: remove the VIPs
};

}  // namespace floatd::vrrp
