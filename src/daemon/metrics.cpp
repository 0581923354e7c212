#include "daemon/metrics.hpp"

#include <algorithm>
#include <sstream>

namespace floatd::daemon {
namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

std::string labels(const Instance& i) {
  const auto& c = i.config();
  return "instance=\"" + escape(c.name) + "\",interface=\"" + escape(c.interface) + "\",vrid=\"" +
         std::to_string(c.vrid) + "\",family=\"" + (c.family() == Family::kIPv4 ? "ipv4" : "ipv6") + "\"";
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  template <typename V>
  void sample(const char* name, const std::string& labels, V value) {
    out_ << name;
    if (!labels.empty()) out_ << "{" << labels << "}";
    out_ << " " << value << "\n";
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

using Counter = std::uint64_t InstanceStats::*;

// Heartbeat paths (issue 11), for instances that have them: path 0 is the primary interface.
void path_metrics(Writer& w, const std::vector<const Instance*>& instances) {
  if (std::none_of(instances.begin(), instances.end(),
                   [](const Instance* i) { return i->paths().any(); })) {
    return;
  }
  const auto each = [&](auto&& sample) {
    for (const auto* i : instances) {
      const HeartbeatPaths& paths = i->paths();
      for (std::size_t p = 0; paths.any() && p < paths.size(); ++p) {
        sample(*i, labels(*i) + ",path=\"" + escape(paths.interface(p)) + "\"", paths, p);
      }
    }
  };
  w.family("floatd_path_up", "gauge",
           "0 while the heartbeat path is silent or down (floatd.conf(5), heartbeat_path).");
  each([&](const Instance&, const std::string& l, const HeartbeatPaths& paths, std::size_t p) {
    const auto state = paths.watch().paths()[p].state;
    const bool up = state != vrrp::PathState::kSilent && state != vrrp::PathState::kDown;
    w.sample("floatd_path_up", l, std::uint64_t{up});
  });
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t PathStats::*field;
  };
  const Counter counters[] = {
      {"floatd_path_adverts_received_total", "Adverts accepted on the path.", &PathStats::adverts_in},
      {"floatd_path_adverts_sent_total", "Adverts sent on the path.", &PathStats::adverts_out},
      {"floatd_path_drops_total", "Adverts dropped on the path.", &PathStats::drops},
  };
  for (const Counter& c : counters) {
    w.family(c.name, "counter", c.help);
    each([&](const Instance&, const std::string& l, const HeartbeatPaths& paths, std::size_t p) {
      w.sample(c.name, l, paths.stats(p).*c.field);
    });
  }
}

void instance_metrics(Writer& w, const std::vector<const Instance*>& instances) {
  w.family("floatd_instance_state", "gauge", "1 for the instance's current VRRP state, 0 for the others.");
  for (const auto* i : instances) {
    for (State s : {State::kInit, State::kBackup, State::kMaster, State::kFault}) {
      w.sample("floatd_instance_state", labels(*i) + ",state=\"" + std::string(state_name(s)) + "\"",
               std::uint64_t{i->machine().state() == s});
    }
  }
  w.family("floatd_instance_priority", "gauge", "Configured priority.");
  for (const auto* i : instances) w.sample("floatd_instance_priority", labels(*i), std::uint64_t{i->config().priority});
  w.family("floatd_instance_effective_priority", "gauge", "Priority after tracking.");
  for (const auto* i : instances) {
    w.sample("floatd_instance_effective_priority", labels(*i), std::uint64_t{i->machine().effective_priority()});
  }
  w.family("floatd_instance_maintenance", "gauge", "1 while held by floatctl maintenance.");
  for (const auto* i : instances) w.sample("floatd_instance_maintenance", labels(*i), std::uint64_t{i->machine().maintenance()});
  const std::pair<const char*, Counter> counters[] = {
      {"floatd_adverts_sent_total", &InstanceStats::adverts_sent},
      {"floatd_adverts_received_total", &InstanceStats::adverts_received},
      {"floatd_transitions_total", &InstanceStats::transitions},
      {"floatd_send_errors_total", &InstanceStats::send_errors},
      {"floatd_vips_restored_total", &InstanceStats::vips_restored},
      {"floatd_vip_adds_failed_total", &InstanceStats::vip_adds_failed},
      {"floatd_router_adverts_sent_total", &InstanceStats::router_adverts_sent},
      {"floatd_solicitations_heard_total", &InstanceStats::solicitations_heard},
      {"floatd_v2_adverts_sent_total", &InstanceStats::v2_adverts_sent},
      {"floatd_v2_adverts_received_total", &InstanceStats::v2_adverts_received},
  };
  for (const auto& [name, member] : counters) {
    w.family(name, "counter", "Per instance counter; see floatctl(8).");
    for (const auto* i : instances) w.sample(name, labels(*i), i->stats().*member);
  }
  w.family("floatd_kernel_repairs_total", "counter",
           "Addresses the reconciler added back or removed (missing VIPs, floatd's unwanted ones).");
  for (const auto* i : instances) w.sample("floatd_kernel_repairs_total", labels(*i), i->kernel_report().repairs);
  w.family("floatd_kernel_missing_addresses", "gauge", "Wanted addresses the kernel lacks, at the last check.");
  for (const auto* i : instances) {
    w.sample("floatd_kernel_missing_addresses", labels(*i), i->kernel_report().missing.size());
  }
  w.family("floatd_kernel_extra_addresses", "gauge", "floatd's addresses nobody wants, at the last check.");
  for (const auto* i : instances) w.sample("floatd_kernel_extra_addresses", labels(*i), i->kernel_report().extra.size());
  w.family("floatd_kernel_failing_addresses", "gauge", "Addresses whose last repair failed (retried with backoff).");
  for (const auto* i : instances) {
    w.sample("floatd_kernel_failing_addresses", labels(*i), i->kernel_report().failing.size());
  }
  w.family("floatd_adverts_dropped_total", "counter", "Adverts dropped, by reason (floatctl(8)).");
  for (const auto* i : instances) {
    for (std::size_t r = 0; r < vrrp::kDropReasonCount; ++r) {
      const auto reason = static_cast<vrrp::DropReason>(r);
      w.sample("floatd_adverts_dropped_total",
               labels(*i) + ",reason=\"" + std::string(vrrp::drop_reason_name(reason)) + "\"",
               i->stats().drops[reason]);
    }
  }
  w.family("floatd_advert_findings_total", "counter",
           "Adverts accepted with a finding that is logged, not acted on (floatctl(8)).");
  for (const auto* i : instances) {
    for (std::size_t k = 0; k < vrrp::kFindingKinds; ++k) {
      const auto kind = static_cast<vrrp::FindingKind>(k);
      w.sample("floatd_advert_findings_total",
               labels(*i) + ",finding=\"" + vrrp::finding_name(kind) + "\"",
               i->stats().finding(kind));
    }
  }
  path_metrics(w, instances);
}

using ScriptCounter = std::uint64_t ScriptStats::*;

void tracking_metrics(Writer& w, const TrackingSnapshot& tracking) {
  w.family("floatd_scripts_running", "gauge", "Scripts and notify commands running now.");
  w.sample("floatd_scripts_running", "", std::uint64_t{tracking.processes.running});
  w.family("floatd_scripts_queued", "gauge", "Scripts waiting for a slot (max_running_scripts).");
  w.sample("floatd_scripts_queued", "", std::uint64_t{tracking.processes.queued});
  w.family("floatd_script_up", "gauge", "1 while the check script passes (after rise/fall).");
  for (const auto& s : tracking.scripts) {
    w.sample("floatd_script_up", "script=\"" + escape(s.name) + "\"", std::uint64_t{!s.failed});
  }
  const std::pair<const char*, ScriptCounter> counters[] = {
      {"floatd_script_runs_total", &ScriptStats::runs},
      {"floatd_script_failures_total", &ScriptStats::failures},
      {"floatd_script_timeouts_total", &ScriptStats::timeouts},
      {"floatd_script_recoveries_total", &ScriptStats::recoveries},
  };
  for (const auto& [name, member] : counters) {
    w.family(name, "counter", "Per check script counter.");
    for (const auto& s : tracking.scripts) w.sample(name, "script=\"" + escape(s.name) + "\"", s.stats.*member);
  }
  w.family("floatd_track_file_value", "gauge", "The number in a track file.");
  for (const auto& f : tracking.files) {
    w.sample("floatd_track_file_value", "track_file=\"" + escape(f.name) + "\"", f.value);
  }
}

}  // namespace

std::string metrics_text(const std::vector<const Instance*>& instances, const TrackingSnapshot& tracking,
                         const DaemonCounters& counters) {
  Writer w;
  instance_metrics(w, instances);
  tracking_metrics(w, tracking);
  w.family("floatd_unknown_vrid_adverts_total", "counter", "Adverts for a VRID with no instance here (RX-7).");
  w.sample("floatd_unknown_vrid_adverts_total", "", counters.unknown_vrid_drops);
  w.family("floatd_control_clients", "gauge", "Connections to the control socket, subscribers included.");
  w.sample("floatd_control_clients", "", counters.control.clients);
  w.family("floatd_control_subscribers", "gauge", "Control clients subscribed to events.");
  w.sample("floatd_control_subscribers", "", counters.control.subscribers);
  w.family("floatd_control_connections_dropped_total", "counter",
           "Control connections closed for a new one (evicted), refused, or closed when all held "
           "too much (shed); see floatctl(8).");
  w.sample("floatd_control_connections_dropped_total", "reason=\"evicted\"", counters.control.evicted);
  w.sample("floatd_control_connections_dropped_total", "reason=\"refused\"", counters.control.refused);
  w.sample("floatd_control_connections_dropped_total", "reason=\"shed\"", counters.control.shed);
  w.family("floatd_loop_slow_batches_total", "counter",
           "Batches of event-loop work that ran longer than 5 ms (adverts wait for them).");
  w.sample("floatd_loop_slow_batches_total", "", counters.loop.slow);
  w.family("floatd_loop_longest_batch_seconds", "gauge",
           "The longest of those batches since floatd started (0 while there is none).");
  w.sample("floatd_loop_longest_batch_seconds", "", static_cast<double>(counters.loop.longest.count()) / 1e6);
  return w.str();
}

}  // namespace floatd::daemon
