#include "daemon/status.hpp"

#include <string>
#include <vector>

#include "floatd/control_protocol.hpp"

namespace floatd::daemon {

namespace {

std::int64_t ms_since(MonoTime then, MonoTime now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count();
}

// The primary interface and the heartbeat paths (issue 11); empty without paths.
nlohmann::json paths_status(const Instance& instance, MonoTime now) {
  nlohmann::json list = nlohmann::json::array();
  const HeartbeatPaths& paths = instance.paths();
  if (!paths.any()) return list;
  const bool master = instance.machine().state() == State::kMaster;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto& watched = paths.watch().paths()[i];
    nlohmann::json peers = nlohmann::json::array();
    for (const auto& p : paths.config(i).peers) peers.push_back(p.to_string());
    const std::string state(path_state_shown(watched.state, master));
    const PathStats& s = paths.stats(i);
    list.push_back(
        {{"interface", watched.name},
         {"primary", i == 0},
         {"peers", peers},
         {"state", state},
         {"last_heard_ms", watched.last_heard ? nlohmann::json(ms_since(*watched.last_heard, now))
                                              : nlohmann::json(nullptr)},
         {"adverts_in", s.adverts_in},
         {"adverts_out", s.adverts_out},
         {"drops", s.drops},
         {"reason", watched.alarm}});
  }
  return list;
}

nlohmann::json strangers_status(const Instance& instance, MonoTime now) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : instance.strangers()) {
    if (now - s.last_seen >= Instance::kStrangerRealarm) continue;  // gone quiet: no alarm now
    list.push_back({{"source", s.source.to_string()},
                    {"reason", vrrp::drop_reason_name(s.reason)},
                    {"count", s.count},
                    {"last_seen_ms", ms_since(s.last_seen, now)}});
  }
  return list;
}

}  // namespace

nlohmann::json instance_status(const Instance& instance, MonoTime now) {
  const auto& c = instance.config();
  const auto& m = instance.machine();
  const auto& s = instance.stats();
  nlohmann::json vips = nlohmann::json::array();
  for (const auto& vip : c.vips) vips.push_back(vip.prefix.to_string());
  nlohmann::json drops = nlohmann::json::object();
  for (std::size_t i = 0; i < vrrp::kDropReasonCount; ++i) {
    const auto reason = static_cast<vrrp::DropReason>(i);
    drops[std::string(vrrp::drop_reason_name(reason))] = s.drops[reason];
  }
  const auto master = m.master_address();
  const KernelReport& k = instance.kernel_report();
  nlohmann::json failing = nlohmann::json::array();
  for (const auto& f : k.failing) {
    failing.push_back({{"address", f.address},
                       {"error", f.error},
                       {"failures", f.failures},
                       {"retry_in_ms", f.retry_in.count() / 1000}});
  }
  nlohmann::json out = {
      {"name", c.name},
      {"interface", c.interface},
      {"vrid", c.vrid},
      {"family", c.family() == Family::kIPv4 ? "ipv4" : "ipv6"},
      {"version", static_cast<int>(c.version)},
      {"v2_compat", c.v2_compat},  // RFC 5798 §8.4.2: v2 adverts sent beside v3 and heard
      {"state", state_name(m.state())},
      {"priority", c.priority},
      {"effective_priority", m.effective_priority()},
      {"master", master ? nlohmann::json(master->to_string()) : nlohmann::json(nullptr)},
      {"vips", vips},
      {"advert_int", static_cast<double>(c.advert_int.count()) / 100.0},
      {"master_adver_interval", static_cast<double>(m.master_adver_interval().count()) / 100.0},
      {"out_device", instance.out_device()},
      {"maintenance", m.maintenance()},
      {"releasing", m.releasing()},
      {"own_fault", instance.own_fault() ? nlohmann::json(*instance.own_fault()) : nlohmann::json(nullptr)},
      {"paths", paths_status(instance, now)},
      {"strict_peers", c.strict_peers},
      {"strangers", strangers_status(instance, now)},
      {"kernel",  // the reconciler's last look (reconciler.hpp)
       {{"missing", k.missing},
        {"extra", k.extra},
        {"failing", failing},
        {"repairs", k.repairs},
        {"last_error", k.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(k.last_error)}}},
      {"stats",
       {{"adverts_sent", s.adverts_sent},
        {"adverts_received", s.adverts_received},
        {"transitions", s.transitions},
        {"send_errors", s.send_errors},
        {"vips_restored", s.vips_restored},
        {"vip_adds_failed", s.vip_adds_failed},
        {"v2_adverts_sent", s.v2_adverts_sent},
        {"v2_adverts_received", s.v2_adverts_received},
        {"v3_only_peer", s.v3_only_peer},
        {"v2_outranks", s.v2_outranks},
        {"router_adverts_sent", s.router_adverts_sent},
        {"solicitations_heard", s.solicitations_heard},
        {"drops_total", s.drops.total()},
        {"drops", drops}}},
  };
  // Flat beside the others, as before the findings had their own type (floatctl(8)).
  for (std::size_t i = 0; i < vrrp::kFindingKinds; ++i) {
    const auto kind = static_cast<vrrp::FindingKind>(i);
    out["stats"][vrrp::finding_name(kind)] = s.finding(kind);
  }
  return out;
}

nlohmann::json kernel_event(const Instance& instance) {
  const KernelReport& k = instance.kernel_report();
  std::vector<std::string> parts;
  for (const auto& a : k.missing) parts.push_back("missing " + a);
  for (const auto& a : k.extra) parts.push_back("extra " + a);
  std::string text = instance.name() + ": kernel ";
  if (parts.empty()) text += "as wanted";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i > 0 ? ", " : "") + parts[i];
  text += " (" + std::to_string(k.repairs) + (k.repairs == 1 ? " repair" : " repairs") + " so far)";
  return {{"type", "kernel"}, {"instance", instance.name()}, {"missing", k.missing},
          {"extra", k.extra}, {"repairs", k.repairs}, {"text", text}};
}

nlohmann::json status(const std::vector<const Instance*>& instances,
                      std::string_view name, MonoTime now) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : instances) {
    if (name.empty() || i->name() == name) list.push_back(instance_status(*i, now));
  }
  return {{"version", control::kProtocolVersion}, {"instances", list}};
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
