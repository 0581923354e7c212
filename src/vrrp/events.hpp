// What goes into the VRRP state machine (events) and what comes out (actions).
//
// Events come from the daemon: the socket layer (adverts), the link monitor and trackers
// (faults, priority), signals (startup, shutdown). Actions are carried out by the instance
// layer through ports that src/net implements and unit tests fake.
#pragma once

#include <string>
#include <variant>

#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"

namespace floatd::vrrp {

// ---- Events ----

struct Startup {};   // RFC 5798 §6.4.1
struct Shutdown {};  // RFC 5798 §6.4.2, §6.4.3

// A validated advert for this instance (decode() and check_for_instance() passed).
struct AdvertReceived {
  Priority priority = 0;
  Centiseconds interval{100};  // v3: Max Adver Int; v2: Adver Int
  IpAddress src;               // the IP source: the tie-break key (RX-16)
};

// The tracking layer's effective priority changed (SM-14). Ignored for an owner (MODE-8).
struct PriorityChanged {
  Priority effective = kDefaultPriority;
};

// A failed link or weight-0 tracker (SM-17). The instance layer aggregates sources and
// sends FaultRaised when the first appears and FaultCleared when the last goes.
struct FaultRaised {
  std::string reason;  // "link eth0 down", "script chk_web failed"
};
struct FaultCleared {};

// A sync group moves its members together: to Master (from Backup) or to Backup (from
// Master). Ignored in any other state.
struct GroupTransition {
  bool to_master = false;
  std::string reason;  // "member db became MASTER"
};

// Planned switchover (floatctl handover): a Master resigns with a priority-0 advert, so the
// best backup takes over after its Skew_Time (SM-6), but keeps its VIPs and keeps answering
// until it has heard the new master: make before break, no lost packet. It then stays Backup
// without preempting back until it is Master again or maintenance is switched off.
struct Handover {};

// Maintenance (floatctl maintenance NAME on|off): held as Backup and never taking over, even
// when the master dies. A Master hands over first.
struct SetMaintenance {
  bool on = false;
};

using Event = std::variant<Startup, Shutdown, AdvertReceived, PriorityChanged, FaultRaised,
                           FaultCleared, GroupTransition, Handover, SetMaintenance>;

// ---- Actions ----

struct SendAdvert {
  Priority priority = 0;  // the effective priority, or 0 when resigning (PKT-14)
};
struct AddVips {};
struct RemoveVips {};

// Gratuitous ARP / unsolicited NA for every VIP, `count` times (L2-10, L2-18).
struct Announce {
  int count = 1;
};

enum class Reason : std::uint8_t {
  kStartup,           // Initialize -> Backup (SM-2)
  kOwnerStartup,      // priority 255 (SM-1, MODE-2)
  kStartAsMaster,     // state = MASTER hint, as keepalived
  kMasterDown,        // Master_Down_Timer fired (SM-5)
  kResignReceived,    // priority-0 advert, then Skew_Time passed (SM-6 -> SM-5)
  kPreemptDelay,      // preempt_delay elapsed while a lower-priority master held on
  kPreempt,           // a lower-priority master was heard: fast preemption after Skew_Time
  kHigherPriority,    // a better advert while Master (SM-12)
  kShutdown,          // SM-4, SM-9
  kFault,             // link or tracker failure (SM-17)
  kFaultCleared,      // back from Fault
  kSyncGroup,         // another member of the sync group moved
  kHandover,          // floatctl handover
  kMaintenance,       // floatctl maintenance NAME on
};

std::string_view reason_text(Reason r);

struct StateChanged {
  State from = State::kInit;
  State to = State::kInit;
  Reason reason = Reason::kStartup;
  std::string detail;  // e.g. the fault's reason, or the new master's address
};

// "BACKUP -> MASTER (master down timer: 192.0.2.3)": the one wording of a transition, for the
// log line and the control protocol's event.
std::string transition_text(const StateChanged& change);

// A Master heard a lower-priority Master (SM-13): a split brain healing, or a Backup that took
// the address through a cloud API by mistake. keepalived's notify_master_rx_lower_pri runs
// here, so that the API call is made again. At most once per Master_Down_Interval.
struct HeardLowerMaster {
  IpAddress source;
  Priority priority = 0;
};

using Action =
    std::variant<StateChanged, SendAdvert, AddVips, RemoveVips, Announce, HeardLowerMaster>;

}  // namespace floatd::vrrp
