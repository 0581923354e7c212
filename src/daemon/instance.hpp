// An Instance is one configured virtual router at run time: its state machine, the facts
// about its interface, its counters, and the translation of the machine's actions into
// calls on Ports (send an advert, add or remove VIPs, announce them).
//
// It never touches the kernel or the clock itself: the daemon feeds it interface facts,
// adverts and the time, and arms one timer at next_deadline(). Unit tests drive it with a
// fake Ports.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/instance_config.hpp"
#include "daemon/fault_source.hpp"
#include "daemon/heartbeat_paths.hpp"
#include "daemon/interface_table.hpp"
#include "daemon/ports.hpp"
#include "floatd/log.hpp"
#include "track/priority.hpp"
#include "vrrp/drop_reason.hpp"
#include "vrrp/peer_findings.hpp"
#include "vrrp/mixed_versions.hpp"
#include "vrrp/ra_schedule.hpp"
#include "vrrp/rx_check.hpp"
#include "vrrp/state_machine.hpp"

namespace floatd::daemon {

struct InstanceStats {
  std::uint64_t adverts_sent = 0;
  std::uint64_t adverts_received = 0;
  std::uint64_t transitions = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t vips_restored = 0;   // VIPs the reconciler put back while we held them
  std::uint64_t vip_adds_failed = 0;  // VIP adds the kernel refused on becoming Master (retried)
  vrrp::DropCounters drops;
  // Adverts accepted with each finding (vrrp/peer_findings.hpp: RX-8, RX-11, RX-12, RX-14,
  // MODE-6), counted per advert; the log has each once per change.
  std::array<std::uint64_t, vrrp::kFindingKinds> findings{};
  std::uint64_t& finding(vrrp::FindingKind k) { return findings[static_cast<std::size_t>(k)]; }
  std::uint64_t finding(vrrp::FindingKind k) const { return findings[static_cast<std::size_t>(k)]; }
  // v2_compat (RFC 5798 / RFC 9568 §8.4.2). The v2 copies we ignore are drops.v2_shadowed.
  std::uint64_t v2_adverts_sent = 0;       // IOP-2: beside each v3 advert (in adverts_sent too)
  std::uint64_t v2_adverts_received = 0;   // IOP-1: heard and obeyed (in adverts_received too)
  std::uint64_t v3_only_peer = 0;          // IOP-3 MAY: a v3 Master sends no v2
  std::uint64_t v2_outranks = 0;           // IOP-4: a v2-only router outranks our sub-second rate
  std::uint64_t router_adverts_sent = 0;   // L2-8, the final ones (lifetime 0) included
  std::uint64_t solicitations_heard = 0;   // while Master (a Backup's are not counted)
};

// The reconciler's findings for one instance (reconciler.hpp): what the kernel lacks or holds
// beyond what the instance wants, what fails to be repaired and why.
struct KernelReport {
  struct Failing {
    std::string address;  // "192.168.100.100 on eth0"
    std::string error;
    int failures = 0;
    Microseconds retry_in{0};
  };
  std::vector<std::string> missing;  // wanted and absent: "192.168.100.100 on eth0"
  std::vector<std::string> extra;    // floatd's, present, wanted by nobody
  std::vector<Failing> failing;
  std::uint64_t repairs = 0;         // adds and removals the reconciler made
  std::string last_error;
};

// An advert strict_peers refused (issue 11): a second cluster on our VRID, or a peer whose
// address list differs from ours. Kept per source, the most recent kMaxStrangers.
struct Stranger {
  IpAddress source;
  vrrp::DropReason reason = vrrp::DropReason::kStranger;
  std::uint64_t count = 0;
  MonoTime first_seen{};
  MonoTime last_seen{};
  MonoTime alarmed{};  // when it was last raised as an event
};

// The key that identifies a virtual router on a host (GEN-6): reload matches by it.
struct InstanceKey {
  std::string interface;
  Vrid vrid = 0;
  Family family = Family::kIPv4;
  friend auto operator<=>(const InstanceKey&, const InstanceKey&) = default;
};

class Instance {
 public:
  using TransitionHook = std::function<void(const Instance&, const vrrp::StateChanged&)>;
  using PathHook = std::function<void(const Instance&, const vrrp::PathChange&)>;
  using StrangerHook = std::function<void(const Instance&, const Stranger&)>;
  using LowerMasterHook = std::function<void(const Instance&, const vrrp::HeardLowerMaster&)>;
  static constexpr std::size_t kMaxStrangers = 16;
  // A stranger that keeps sending is raised again after this long; status lists the strangers
  // heard within it (strangers() keeps older ones until pushed out).
  static constexpr Microseconds kStrangerRealarm{60'000'000};

  // `config` points into the daemon's whole config (an aliasing pointer that shares its
  // ownership): each instance's settings are held once, not once there and once here (792
  // bytes and the strings and lists behind them per instance; issue 14).
  Instance(std::shared_ptr<const config::InstanceConfig> config, Ports& ports, Log& log);
  Instance(config::InstanceConfig config, Ports& ports, Log& log);  // its own copy (tests)

  const config::InstanceConfig& config() const { return *config_; }
  const std::string& name() const { return config_->name; }
  InstanceKey key() const { return {config_->interface, config_->vrid, config_->family()}; }
  const vrrp::StateMachine& machine() const { return machine_; }
  const InstanceStats& stats() const { return stats_; }
  const KernelReport& kernel_report() const { return kernel_; }
  KernelReport& kernel_report() { return kernel_; }  // written by the reconciler
  // The reconciler put back a VIP that had gone while we held it.
  void count_restored() { ++stats_.vips_restored; }
  // Master, or Backup still releasing its VIPs after a handover: its VIPs belong in the kernel.
  bool holds_vips() const { return machine_.state() == State::kMaster || machine_.releasing(); }
  // "eth0/51/v4 web": the prefix of every log line about this instance.
  const std::string& log_prefix() const { return log_prefix_; }
  // The device adverts are sent and received on and the VIPs live on: the VMAC, or the
  // interface. A VMAC instance must receive on the VMAC: a private macvlan takes frames whose
  // source MAC is its own (the peer's adverts, from the same virtual MAC) away from the parent.
  const std::string& out_device() const;
  void on_transition(TransitionHook hook) { hook_ = std::move(hook); }
  void on_lower_master(LowerMasterHook hook) { lower_hook_ = std::move(hook); }
  void on_path_change(PathHook hook) { path_hook_ = std::move(hook); }
  void on_stranger(StrangerHook hook) { stranger_hook_ = std::move(hook); }
  const HeartbeatPaths& paths() const { return paths_; }
  const std::vector<Stranger>& strangers() const { return strangers_; }

  // The interface as the table sees it now (nullptr: it does not exist). Raises or clears
  // the link fault and picks the advert source address.
  void update_interface(const InterfaceInfo* iface, MonoTime now);
  // Raises (`reason`) or clears (nullopt) the fault of one source: the machine goes to Fault
  // while any source has one.
  void set_fault(FaultSource source, std::optional<std::string> reason, MonoTime now);
  // Heartbeat path `path` (>= 1) as the table sees it now (nullptr: it does not exist).
  void update_path(std::size_t path, const InterfaceInfo* iface, MonoTime now);
  // heartbeat_key's HMAC, or none (also after a reload: the file may have changed).
  void set_path_auth(std::optional<PathAuth> auth) { paths_.set_auth(std::move(auth)); }

  // The tracking layer's verdict: the effective priority and any weight-0 failures.
  void set_tracking(const track::PriorityResult& result, MonoTime now);
  // A sync group orders this member to Master or Backup.
  void group_transition(bool to_master, const std::string& reason, MonoTime now);
  // The first fault of its own (link, tracker), not one imposed by its sync group.
  std::optional<std::string> own_fault() const;

  // A reload changed settings but not the virtual router (reload_plan.hpp): keep the state;
  // a Master adds and announces new VIPs and removes dropped ones.
  void reconfigure(std::shared_ptr<const config::InstanceConfig> next, MonoTime now);
  void reconfigure(config::InstanceConfig next, MonoTime now);
  // The same settings in a new config (a reload left this instance unchanged): only the
  // pointer moves, so that the old config is freed once every instance has moved.
  void rebind(std::shared_ptr<const config::InstanceConfig> same);
  void handover(MonoTime now);
  void set_maintenance(bool on, MonoTime now);

  // A Router Solicitation arrived on the instance's device (send_ra, RFC 4861 §6.2.6).
  void solicited(MonoTime now);
  bool sends_ra() const { return ra_.has_value(); }

  void start(MonoTime now);
  void stop(MonoTime now);
  void tick(MonoTime now);
  std::optional<MonoTime> next_deadline() const;

  // An advert for our VRID that decode() accepted, on `path` (0: the primary interface):
  // instance checks, then the machine.
  void receive(const vrrp::Decoded& decoded, const vrrp::PacketInfo& info, MonoTime now,
               std::size_t path = 0);
  // An authenticated path's payload: the VRRP message in it, or nothing (dropped, counted).
  std::optional<std::span<const std::uint8_t>> unseal(std::size_t path,
                                                      std::span<const std::uint8_t> payload,
                                                      const vrrp::PacketInfo& info, MonoTime now);
  // An advert for our VRID dropped before it reached us (decode failed): count and log.
  void drop(vrrp::DropReason reason, const vrrp::PacketInfo& info, MonoTime now,
            std::size_t path = 0);

 private:
  void handle(const std::optional<vrrp::Event>& event, MonoTime now);
  void run(const std::vector<vrrp::Action>& actions, MonoTime now);
  void log_transition(const vrrp::StateChanged& change);
  void send_advert(Priority priority, MonoTime now);
  void change_vips(bool add, MonoTime now);
  void add_vip(const std::string& dev, const config::VirtualIp& vip, MonoTime now);
  void add_vips(MonoTime now);
  static bool master_is_gone(const std::vector<vrrp::Action>& actions);
  void remove_vip(const std::string& dev, const config::VirtualIp& vip, MonoTime now);
  void announce(int count, MonoTime now);
  void warn(const std::string& message, MonoTime now);
  void update_router_advert(MonoTime now);
  void send_router_advert(bool final, MonoTime now);
  void send_advert_to(Priority priority, const IpAddress& dst, MonoTime now, Version version);
  void send_on_path(std::size_t path, Priority priority, const IpAddress& dst, MonoTime now);
  const std::vector<std::uint8_t>& advert_bytes(Priority priority, const IpAddress& src,
                                                const IpAddress& dst,
                                                Version version);
  void send_versions(Priority priority, const IpAddress& dst, MonoTime now);
  bool counts_in_mixed(const vrrp::Decoded& decoded, const vrrp::PacketInfo& info,
                       std::uint32_t& warnings, std::size_t path, MonoTime now);
  bool obeys_strangers(const vrrp::Decoded& decoded, const vrrp::PacketInfo& info,
                       std::uint32_t warnings, std::size_t path, MonoTime now);
  void stranger(const IpAddress& source, vrrp::DropReason reason, MonoTime now);
  void watch_paths(MonoTime now);
  void report_paths(const std::vector<vrrp::PathChange>& changes, MonoTime now);

  std::shared_ptr<const config::InstanceConfig> config_;  // never null
  Ports& ports_;
  Log& log_;
  vrrp::StateMachine machine_;
  vrrp::RxPolicy rx_policy_;
  vrrp::PeerFindings findings_;
  struct CachedAdvert {  // one per destination and version, see advert_bytes()
    Version version;
    Priority priority;
    IpAddress src;
    IpAddress dst;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<CachedAdvert> advert_cache_;
  std::string log_prefix_;
  std::optional<IpAddress> source_;                // advert source (PKT-11)
  bool link_usable_ = false;                       // the interface is up with carrier
  std::map<FaultSource, std::string> faults_;      // source -> reason, in precedence order
  InstanceStats stats_;
  KernelReport kernel_;
  RateLimiter drop_log_{5, std::chrono::seconds{10}};
  RateLimiter warn_log_{5, std::chrono::seconds{10}};
  RateLimiter path_log_{10, std::chrono::seconds{10}};
  HeartbeatPaths paths_;
  vrrp::MixedVersions mixed_;  // v2_compat only
  std::optional<vrrp::RaSchedule> ra_;  // send_ra: active while Master (L2-8)
  std::vector<Stranger> strangers_;
  std::vector<vrrp::Action> spare_actions_;  // handle()'s, kept for its capacity
  TransitionHook hook_;
  LowerMasterHook lower_hook_;
  PathHook path_hook_;
  StrangerHook stranger_hook_;
};

}  // namespace floatd::daemon
