// The importer's working form (internal to keepalived_import): floatd sections
// being filled from keepalived keywords, the notes collected on the way, the
// definitions instances refer to, and the value conversions the mapping files
// share.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/keepalived_lexer.hpp"
#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "floatd/time.hpp"

namespace floatd::cli::keepalived {

class Notes {
 public:
  void add(const Location& loc, std::string keyword, std::string text) {
    items_.push_back({loc, std::move(keyword), std::move(text)});
  }
  // "KEYWORD: not carried over (REASON)" at the node's line.
  void skip(const Node& node, std::string_view reason) {
    add(node.loc, node.keyword, not_carried(reason));
  }
  std::vector<Note> take() { return std::move(items_); }

 private:
  std::vector<Note> items_;
};

struct Setting {
  std::string value;
  Location loc;
  std::string keyword;  // the keepalived keyword it came from, for notes
};

// One floatd section: single keys and list keys by their floatd name.
struct Draft {
  std::string kind;  // global, script, track_file, instance, sync_group
  std::string name;
  Location loc;
  std::map<std::string, Setting> once;
  std::map<std::string, std::vector<Setting>> lists;
  std::vector<std::string> comments;  // written under the section header

  // Sets a single key; setting it again notes the earlier value (keepalived
  // uses the last).
  void set(const std::string& key, Setting setting, Notes& notes);
  void add(const std::string& key, Setting setting) { lists[key].push_back(std::move(setting)); }
  const Setting* get(const std::string& key) const;
  std::optional<Setting> take(const std::string& key);
};

// A vrrp_script or track_file as instances see it.
struct TrackedDef {
  std::string name;  // the floatd section name
  bool carried = false;
  int weight = 0;
  bool reverse = false;
};

// global_defs keywords that become instance keys.
struct InstanceDefaults {
  std::optional<Setting> garp_delay;
  std::optional<Setting> garp_repeat;
  std::optional<Setting> garp_refresh;
  std::optional<Setting> checksum_as_v2;
};

// What the mapping knows when it reaches an instance: vrrp_script and
// track_file blocks seen so far (keepalived resolves track_script at parse
// time), by keepalived name.
struct Defs {
  std::string vrrp_version = "2";  // keepalived's default, or its vrrp_version
  InstanceDefaults instance;
  std::map<std::string, TrackedDef> scripts;
  std::map<std::string, TrackedDef> files;
};

// --- values (keepalived_draft.cpp) ---

// keepalived's decimal seconds ("1", "0.5", "2.125") rounded to centiseconds.
std::optional<Centiseconds> parse_keepalived_seconds(std::string_view text);

// Seconds in [min, max] as floatd writes them, or the reason they are refused.
Result<std::string> seconds_value(std::string_view text, Centiseconds min, Centiseconds max);

// A floatd section name for a keepalived one: characters other than letters,
// digits, _, . and - become _.
std::string floatd_name(std::string_view name);

// The section name of a named block, noting a missing name or a rename.
std::optional<std::string> section_name(const Node& node, Notes& notes);

// The first argument, noting a missing one; more arguments are noted as not
// carried.
std::optional<std::string> one_arg(const Node& node, Notes& notes);

// keepalived's <BOOL> (no argument is yes), as "yes"/"no"; nullopt when not a
// boolean.
std::optional<std::string> bool_value(const Node& node);

// A notify or script command: the first argument (keepalived's command string),
// checked for floatd; a user (and group) after it are noted, as floatd runs
// notify commands as [global] script_user.
std::optional<Setting> command_setting(const Node& node, Notes& notes, bool user_allowed);

// "NAME weight N" as floatd writes a tracking line, and the weight back from
// one.
std::string track_text(const std::string& name, int weight);
int track_weight(const std::string& text);
std::string track_name(const std::string& text);

// The reason a keyword is not carried, from a table of prefixes ("smtp_" ...)
// and reasons.
struct Reason {
  std::string_view prefix;  // matches the keyword exactly, or any keyword it
                            // starts when it ends in _
  std::string_view reason;
};
std::string reason_for(std::string_view keyword, const std::vector<Reason>& table);

// --- instances ---

struct VipDraft {
  IpPrefix prefix;
  std::string dev;
  std::string label;
  Location loc;
};

// A vrrp_instance read keyword by keyword, before the rules that need the whole
// block.
struct InstanceDraft {
  Draft draft;
  std::vector<VipDraft> vips;
  std::optional<Location> nopreempt;
};

// [instance NAME] from a vrrp_instance block (keepalived_instance.cpp); nullopt
// (with a note) when it cannot be carried.
std::optional<Draft> import_instance(const Node& node, const Defs& defs, Notes& notes);

// The rules across keys (keepalived_instance_finish.cpp): required keys, the
// version and the family, keepalived's resets, [global] defaults; writes the
// addresses.
std::optional<Draft> finish_instance(InstanceDraft instance, const Defs& defs, Notes& notes);

// --- sync groups (keepalived_sync_group.cpp) ---

// [sync_group NAME] from a vrrp_sync_group block, over the instances carried so
// far; applies keepalived's rule for tracking weights in sync groups to the
// member instances. `grouped` holds the instances already in a group.
std::optional<Draft> import_sync_group(const Node& node, std::vector<Draft>& instances,
                                       std::vector<std::string>& grouped, Notes& notes);

// --- output (keepalived_render.cpp) ---

struct ImportOptions;

// The INI text: the header comment, [global], then the other sections in the
// order given, keys in floatd --dump-config's order. A value that the INI
// syntax cannot hold is noted.
std::string render(const Draft& global, const std::vector<const std::vector<Draft>*>& sections,
                   const ImportOptions& options, Notes& notes);

}  // namespace floatd::cli::keepalived
