#include "daemon/status.hpp"

#include <algorithm>
#include <string>
#include <vector>


namespace floatd::daemon {

namespace {

std::int64_t ms_since(MonoTime then, MonoTime now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count();
}

double seconds(Centiseconds c) { return static_cast<double>(c.count()) / 100.0; }

// One member of "stats": a counter of InstanceStats, a finding, the drops' total or the drops.
struct StatsMember {
  enum class Kind { kField, kFinding, kDropsTotal, kDrops };
  std::string_view name;
  Kind kind = Kind::kField;
  std::uint64_t InstanceStats::*field = nullptr;
  std::size_t finding = 0;
};

// The members of "stats" in the order nlohmann's std::map kept them: sorted by name, the
// findings flat beside the counters (floatctl(8)). Built once; read only after.
std::vector<StatsMember> sorted_stats_members() {
  using K = StatsMember::Kind;
  std::vector<StatsMember> m = {
      {"adverts_sent", K::kField, &InstanceStats::adverts_sent},
      {"adverts_received", K::kField, &InstanceStats::adverts_received},
      {"transitions", K::kField, &InstanceStats::transitions},
      {"send_errors", K::kField, &InstanceStats::send_errors},
      {"vips_restored", K::kField, &InstanceStats::vips_restored},
      {"vip_adds_failed", K::kField, &InstanceStats::vip_adds_failed},
      {"v2_adverts_sent", K::kField, &InstanceStats::v2_adverts_sent},
      {"v2_adverts_received", K::kField, &InstanceStats::v2_adverts_received},
      {"v3_only_peer", K::kField, &InstanceStats::v3_only_peer},
      {"v2_outranks", K::kField, &InstanceStats::v2_outranks},
      {"router_adverts_sent", K::kField, &InstanceStats::router_adverts_sent},
      {"solicitations_heard", K::kField, &InstanceStats::solicitations_heard},
      {"drops_total", K::kDropsTotal},
      {"drops", K::kDrops},
  };
  for (std::size_t i = 0; i < vrrp::kFindingKinds; ++i) {
    m.push_back({vrrp::finding_name(static_cast<vrrp::FindingKind>(i)), K::kFinding, nullptr, i});
  }
  std::sort(m.begin(), m.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return m;
}

// The drop reasons in the order of their names.
std::vector<vrrp::DropReason> sorted_drop_reasons() {
  std::vector<vrrp::DropReason> r;
  for (std::size_t i = 0; i < vrrp::kDropReasonCount; ++i) r.push_back(static_cast<vrrp::DropReason>(i));
  std::sort(r.begin(), r.end(), [](auto a, auto b) {
    return vrrp::drop_reason_name(a) < vrrp::drop_reason_name(b);
  });
  return r;
}

void write_drops(JsonText& j, const vrrp::DropCounters& drops) {
  static const std::vector<vrrp::DropReason> kOrder = sorted_drop_reasons();
  j.begin_object();
  for (const auto reason : kOrder) j.key(vrrp::drop_reason_name(reason)).number(drops[reason]);
  j.end_object();
}

void write_stats(JsonText& j, const InstanceStats& s) {
  static const std::vector<StatsMember> kMembers = sorted_stats_members();
  j.begin_object();
  for (const auto& m : kMembers) {
    j.key(m.name);
    switch (m.kind) {
      case StatsMember::Kind::kField: j.number(s.*m.field); break;
      case StatsMember::Kind::kFinding: j.number(s.findings[m.finding]); break;
      case StatsMember::Kind::kDropsTotal: j.number(s.drops.total()); break;
      case StatsMember::Kind::kDrops: write_drops(j, s.drops); break;
    }
  }
  j.end_object();
}

void write_strings(JsonText& j, const std::vector<std::string>& list) {
  j.begin_array();
  for (const auto& s : list) j.string(s);
  j.end_array();
}

// The reconciler's last look (reconciler.hpp).
void write_kernel(JsonText& j, const KernelReport& k) {
  j.begin_object();
  j.key("extra");
  write_strings(j, k.extra);
  j.key("failing").begin_array();
  for (const auto& f : k.failing) {
    j.begin_object();
    j.key("address").string(f.address);
    j.key("error").string(f.error);
    j.key("failures").number(f.failures);
    j.key("retry_in_ms").number(static_cast<std::int64_t>(f.retry_in.count() / 1000));
    j.end_object();
  }
  j.end_array();
  j.key("last_error");
  if (k.last_error.empty()) {
    j.null();
  } else {
    j.string(k.last_error);
  }
  j.key("missing");
  write_strings(j, k.missing);
  j.key("repairs").number(k.repairs);
  j.end_object();
}

// The primary interface and the heartbeat paths (issue 11); empty without paths.
void write_paths(JsonText& j, const Instance& instance, MonoTime now) {
  j.begin_array();
  const HeartbeatPaths& paths = instance.paths();
  const bool master = instance.machine().state() == State::kMaster;
  for (std::size_t i = 0; paths.any() && i < paths.size(); ++i) {
    const auto& watched = paths.watch().paths()[i];
    const PathStats& s = paths.stats(i);
    j.begin_object();
    j.key("adverts_in").number(s.adverts_in);
    j.key("adverts_out").number(s.adverts_out);
    j.key("drops").number(s.drops);
    j.key("interface").string(watched.name);
    j.key("last_heard_ms");
    if (watched.last_heard) {
      j.number(static_cast<std::int64_t>(ms_since(*watched.last_heard, now)));
    } else {
      j.null();
    }
    j.key("peers").begin_array();
    for (const auto& p : paths.config(i).peers) j.string(p.to_string());
    j.end_array();
    j.key("primary").boolean(i == 0);
    j.key("reason").string(watched.alarm);
    j.key("state").string(path_state_shown(watched.state, master));
    j.end_object();
  }
  j.end_array();
}

void write_strangers(JsonText& j, const Instance& instance, MonoTime now) {
  j.begin_array();
  for (const auto& s : instance.strangers()) {
    if (now - s.last_seen >= Instance::kStrangerRealarm) continue;  // gone quiet: no alarm now
    j.begin_object();
    j.key("count").number(s.count);
    j.key("last_seen_ms").number(static_cast<std::int64_t>(ms_since(s.last_seen, now)));
    j.key("reason").string(vrrp::drop_reason_name(s.reason));
    j.key("source").string(s.source.to_string());
    j.end_object();
  }
  j.end_array();
}

}  // namespace

// The members in sorted order, as nlohmann's std::map wrote them (status.hpp).
void write_instance_status(JsonText& j, const Instance& instance, MonoTime now) {
  const auto& c = instance.config();
  const auto& m = instance.machine();
  j.begin_object();
  j.key("advert_int").number(seconds(c.advert_int));
  j.key("effective_priority").number(std::uint64_t{m.effective_priority()});
  j.key("family").string(c.family() == Family::kIPv4 ? "ipv4" : "ipv6");
  j.key("interface").string(c.interface);
  j.key("kernel");
  write_kernel(j, instance.kernel_report());
  j.key("maintenance").boolean(m.maintenance());
  j.key("master");
  if (const auto master = m.master_address()) {
    j.string(master->to_string());
  } else {
    j.null();
  }
  j.key("master_adver_interval").number(seconds(m.master_adver_interval()));
  j.key("name").string(c.name);
  j.key("out_device").string(instance.out_device());
  j.key("own_fault");
  if (const auto fault = instance.own_fault()) {
    j.string(*fault);
  } else {
    j.null();
  }
  j.key("paths");
  write_paths(j, instance, now);
  j.key("priority").number(std::uint64_t{c.priority});
  j.key("releasing").boolean(m.releasing());
  j.key("state").string(state_name(m.state()));
  j.key("stats");
  write_stats(j, instance.stats());
  j.key("strangers");
  write_strangers(j, instance, now);
  j.key("strict_peers").boolean(c.strict_peers);
  j.key("v2_compat").boolean(c.v2_compat);  // RFC 5798 §8.4.2: v2 adverts sent beside v3 and heard
  j.key("version").number(static_cast<int>(c.version));
  j.key("vips").begin_array();
  for (const auto& vip : c.vips) j.string(vip.prefix.to_string());
  j.end_array();
  j.key("vrid").number(std::uint64_t{c.vrid});
  j.end_object();
}

nlohmann::json instance_status(const Instance& instance, MonoTime now) {
  std::string text;
  JsonText j(text);
  write_instance_status(j, instance, now);
  return nlohmann::json::parse(text);
}

// What the reconciler found, with the kernel's reason for each repair it refused (issue 15:
// "missing 10.0.0.1 on eth1 (refused: Permission denied)"), as in status' kernel.failing.
nlohmann::json kernel_event(const Instance& instance) {
  const KernelReport& k = instance.kernel_report();
  const auto refused = [&](const std::string& address) {
    for (const auto& f : k.failing) {
      if (f.address == address) return " (refused: " + f.error + ")";
    }
    return std::string();
  };
  std::vector<std::string> parts;
  for (const auto& a : k.missing) parts.push_back("missing " + a + refused(a));
  for (const auto& a : k.extra) parts.push_back("extra " + a + refused(a));
  std::string text = instance.name() + ": kernel ";
  if (parts.empty()) text += "as wanted";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i > 0 ? ", " : "") + parts[i];
  text += " (" + std::to_string(k.repairs) + (k.repairs == 1 ? " repair" : " repairs") + " so far)";
  nlohmann::json failing = nlohmann::json::array();
  for (const auto& f : k.failing) {
    failing.push_back({{"address", f.address}, {"error", f.error}, {"failures", f.failures}});
  }
  return {{"type", "kernel"}, {"instance", instance.name()}, {"missing", k.missing},
          {"extra", k.extra}, {"failing", std::move(failing)}, {"repairs", k.repairs},
          {"text", text}};
}

nlohmann::json tracking_status(const TrackingSnapshot& tracking) {
  nlohmann::json scripts = nlohmann::json::array();
  for (const auto& s : tracking.scripts) {
    scripts.push_back({{"name", s.name},
                       {"state", std::string(script_state_name(s.failed ? ScriptState::kFailed : ScriptState::kOk))},
                       {"runs", s.stats.runs},
                       {"failures", s.stats.failures},
                       {"timeouts", s.stats.timeouts},
                       {"recoveries", s.stats.recoveries},
                       {"last", s.last}});
  }
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : tracking.files) {
    nlohmann::json file{{"name", f.name}, {"file", f.file}, {"value", f.value}, {"watched", f.watched}};
    if (!f.error.empty()) file["error"] = f.error;
    files.push_back(std::move(file));
  }
  return {{"scripts", scripts},
          {"files", files},
          {"processes",
           {{"running", tracking.processes.running},
            {"queued", tracking.processes.queued},
            {"max_running", tracking.processes.max_running}}}};
}

}  // namespace floatd::daemon
