#include "cli/status_table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

namespace floatd::cli {
namespace {

std::string str(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "-";
  return j.dump();
}

std::string join_vips(const nlohmann::json& vips) {
  std::string out;
  for (const auto& v : vips) out += (out.empty() ? "" : ",") + str(v);
  return out.empty() ? "-" : out;
}

std::string drops_text(const nlohmann::json& stats) {
  std::string out = str(stats.value("drops_total", nlohmann::json(0)));
  const auto drops = stats.find("drops");
  if (drops == stats.end() || !drops->is_object()) return out;
  std::string reasons;
  for (auto it = drops->begin(); it != drops->end(); ++it) {
    if (it->is_number() && it->get<std::uint64_t>() > 0) {
      reasons += (reasons.empty() ? "" : " ") + it.key() + "=" + it->dump();
    }
  }
  return reasons.empty() ? out : out + " (" + reasons + ")";
}

// "eth0 ok, eth1 SILENT 4.2s": the heartbeat paths (issue 11), "-" without.
std::string paths_text(const nlohmann::json& i) {
  const auto paths = i.find("paths");
  if (paths == i.end() || !paths->is_array() || paths->empty()) return "-";
  std::string out;
  for (const auto& p : *paths) {
    std::string state = str(p.value("state", nlohmann::json()));
    if (state == "silent" || state == "down") {
      std::transform(state.begin(), state.end(), state.begin(), ::toupper);
      const auto age = p.value("last_heard_ms", nlohmann::json());
      if (age.is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, " %.1fs", age.get<double>() / 1000.0);
        state += buf;
      }
    }
    out += (out.empty() ? "" : ", ") + str(p.value("interface", nlohmann::json())) + " " + state;
  }
  return out;
}

// Why an instance is where it is, when that is not obvious: its fault, maintenance.
std::string note(const nlohmann::json& i) {
  std::string out;
  if (const auto f = i.find("own_fault"); f != i.end() && f->is_string()) out = f->get<std::string>();
  if (i.value("maintenance", false)) out += (out.empty() ? "" : "; ") + std::string("maintenance");
  if (i.value("releasing", false)) out += (out.empty() ? "" : "; ") + std::string("handing over");
  const auto stats = i.value("stats", nlohmann::json::object());
  if (stats.value("v3_only_peer", 0) > 0) {  // IOP-3's MAY
    out += (out.empty() ? "" : "; ") + std::string("a v3 master sends no v2");
  }
  if (stats.value("v2_outranks", 0) > 0) {  // IOP-4
    out += (out.empty() ? "" : "; ") + std::string("a v2 router outranks our sub-second rate");
  }
  if (const auto s = i.find("strangers"); s != i.end() && s->is_array() && !s->empty()) {
    std::string who;
    for (const auto& st : *s) {
      who += (who.empty() ? "" : ",") + str(st.value("source", nlohmann::json()));
    }
    out += (out.empty() ? "" : "; ") + std::string("refusing strangers ") + who;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string status_table(const nlohmann::json& status) {
  const std::vector<std::string> header = {"INSTANCE", "IFACE", "VRID", "AF", "VER",
                                           "STATE", "PRIO", "MASTER", "VIPS", "ADV TX/RX", "DROPS",
                                           "PATHS", "NOTE"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const auto& i : status.value("instances", nlohmann::json::array())) {
    const auto stats = i.value("stats", nlohmann::json::object());
    std::string prio = str(i.value("priority", nlohmann::json()));
    const std::string eff = str(i.value("effective_priority", nlohmann::json()));
    if (eff != prio) prio += "->" + eff;
    rows.push_back({str(i.value("name", nlohmann::json())), str(i.value("interface", nlohmann::json())),
                    str(i.value("vrid", nlohmann::json())), str(i.value("family", nlohmann::json())),
                    // "3+v2": v2_compat, RFC 5798 §8.4.2 (its ignored v2 copies: v2_shadowed)
                    str(i.value("version", nlohmann::json())) +
                        (i.value("v2_compat", false) ? "+v2" : ""),
                    str(i.value("state", nlohmann::json())),
                    prio, str(i.value("master", nlohmann::json())),
                    join_vips(i.value("vips", nlohmann::json::array())),
                    str(stats.value("adverts_sent", nlohmann::json(0))) + "/" +
                        str(stats.value("adverts_received", nlohmann::json(0))),
                    drops_text(stats), paths_text(i), note(i)});
  }
  if (rows.size() == 1) return "no instances configured\n";
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace floatd::cli
