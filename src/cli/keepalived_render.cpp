// The imported configuration as INI text, in the order floatd --dump-config
// prints it.
#include <algorithm>
#include <array>
#include <sstream>

#include "cli/keepalived_draft.hpp"
#include "cli/keepalived_import.hpp"

namespace floatd::cli::keepalived {
namespace {

constexpr std::size_t kMaxLine = 198;  // inih's line limit as Debian builds it (floatd.conf(5))

constexpr std::array<std::string_view, 6> kGlobalOrder{
    "router_id", "vrrp_version", "script_user", "enable_script_security", "vrrp_rt_priority",
    "vrrp_no_swap"};
constexpr std::array<std::string_view, 8> kScriptOrder{
    "script", "interval", "timeout", "fall", "rise", "weight", "user", "init_fail"};
constexpr std::array<std::string_view, 2> kTrackFileOrder{"file", "weight"};
constexpr std::array<std::string_view, 28> kInstanceOrder{"interface",
                                                          "virtual_router_id",
                                                          "priority",
                                                          "advert_int",
                                                          "version",
                                                          "state",
                                                          "preempt",
                                                          "preempt_delay",
                                                          "accept",
                                                          "virtual_ipaddress",
                                                          "unicast_src_ip",
                                                          "unicast_peer",
                                                          "use_vmac",
                                                          "v3_checksum_as_v2",
                                                          "garp_master_delay",
                                                          "garp_master_repeat",
                                                          "garp_master_refresh",
                                                          "auth_type",
                                                          "auth_pass",
                                                          "track_interface",
                                                          "track_script",
                                                          "track_file",
                                                          "notify_master",
                                                          "notify_backup",
                                                          "notify_fault",
                                                          "notify_stop",
                                                          "notify",
                                                          "notify_master_rx_lower_pri"};
constexpr std::array<std::string_view, 5> kSyncGroupOrder{"group", "notify_master", "notify_backup",
                                                          "notify_fault", "notify"};

std::vector<std::string_view> order_of(const std::string& kind) {
  const auto all = [](const auto& a) { return std::vector<std::string_view>(a.begin(), a.end()); };
  if (kind == "global") return all(kGlobalOrder);
  if (kind == "script") return all(kScriptOrder);
  if (kind == "track_file") return all(kTrackFileOrder);
  if (kind == "instance") return all(kInstanceOrder);
  return all(kSyncGroupOrder);
}

// Why the INI syntax cannot hold `key = value`, or nothing when it can.
std::optional<std::string> unwritable(std::string_view key, const std::string& value) {
  if (value.find_first_of("\r\n") != std::string::npos) return "floatd's values are one line";
  for (const char* comment : {" #", " ;", "\t#", "\t;"}) {
    if (value.find(comment) != std::string::npos) {
      return "floatd reads a blank followed by # or ; as the start of a "
             "comment";
    }
  }
  if (key.size() + 3 + value.size() > kMaxLine) {
    return "the line would be longer than floatd's " + std::to_string(kMaxLine) + " characters";
  }
  return std::nullopt;
}

class Writer {
 public:
  explicit Writer(Notes& notes) : notes_(notes) {}

  void comment(const std::string& text) { out_ << "# " << text << '\n'; }

  void section(const Draft& d) {
    out_ << '\n' << '[' << d.kind << (d.name.empty() ? "" : " ") << d.name << "]\n";
    for (const auto& c : d.comments) comment(c);
    for (const auto key : order_of(d.kind)) {
      const std::string k(key);
      if (const auto* s = d.get(k)) line(k, *s);
      if (const auto it = d.lists.find(k); it != d.lists.end()) {
        for (const auto& s : it->second) line(k, s);
      }
    }
  }

  std::string str() const { return out_.str(); }

 private:
  void line(const std::string& key, const Setting& s) {
    if (auto why = unwritable(key, s.value)) {
      notes_.add(s.loc, s.keyword, not_carried(*why));
      return;
    }
    out_ << key << " = " << s.value << '\n';
  }

  Notes& notes_;
  std::ostringstream out_;
};

bool runs_commands(const std::vector<const std::vector<Draft>*>& sections) {
  for (const auto* list : sections) {
    for (const auto& d : *list) {
      if (d.kind == "script") return true;
      for (const auto* key :
           {"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify",
            "notify_master_rx_lower_pri"}) {
        if (d.get(key) != nullptr) return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string render(const Draft& global, const std::vector<const std::vector<Draft>*>& sections,
                   const ImportOptions& options, Notes& notes) {
  Writer w(notes);
  w.comment("Imported from keepalived by: " + options.command);
  std::string files;
  for (const auto& f : options.files) files += (files.empty() ? "" : ", ") + f;
  w.comment("Source files: " + files);
  Draft g = global;
  if (g.get("script_user") == nullptr && runs_commands(sections)) {
    g.comments.push_back("keepalived ran scripts as keepalived_script when that user existed;");
    g.comments.push_back("floatd runs them as script_user if set here, else as floatd-script when");
    g.comments.push_back("that user exists, else as root (with a warning at load).");
  }
  w.section(g);
  for (const auto* list : sections) {
    for (const auto& d : *list) w.section(d);
  }
  return w.str();
}

}  // namespace floatd::cli::keepalived
