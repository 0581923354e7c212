#include "cli/status_table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

namespace floatd::cli {
namespace {

using Index = JsonTape::Index;
using Type = JsonTape::Type;

// One instance object and the tape it is on: members by name, "-" for what is null or absent.
class Fields {
 public:
  Fields(const JsonTape& tape, std::optional<Index> object) : t_(tape), o_(object) {}

  std::optional<Index> get(std::string_view name) const {
    if (!o_) return std::nullopt;
    return t_.find(*o_, name);
  }
  Fields sub(std::string_view name) const { return Fields(t_, get(name)); }
  // As the table shows a value: a string's text, "-" for null or absent, else the JSON text.
  std::string str(std::string_view name, std::string_view absent = "-") const {
    const auto v = get(name);
    if (!v || t_.is(*v, Type::kNull)) return v ? "-" : std::string(absent);
    if (t_.is(*v, Type::kString)) return t_.string(*v);
    return std::string(t_.text(*v));
  }
  bool flag(std::string_view name) const {
    const auto v = get(name);
    return v && t_.is(*v, Type::kTrue);
  }
  double number(std::string_view name) const {
    const auto v = get(name);
    return v ? t_.number(*v) : 0;
  }
  // The elements of an array member (none when it is not an array).
  std::vector<Index> list(std::string_view name) const {
    std::vector<Index> out;
    const auto v = get(name);
    if (!v || !t_.is(*v, Type::kArray)) return out;
    for (auto e = t_.first_child(*v); e; e = t_.next_sibling(*e, *v)) out.push_back(*e);
    return out;
  }
  const JsonTape& tape() const { return t_; }
  std::optional<Index> object() const { return o_; }

 private:
  const JsonTape& t_;
  std::optional<Index> o_;
};

std::string join_vips(const Fields& i) {
  std::string out;
  for (const Index v : i.list("vips")) {
    const JsonTape& t = i.tape();
    out += (out.empty() ? "" : ",") + (t.is(v, Type::kString) ? t.string(v)
                                       : t.is(v, Type::kNull) ? "-"
                                                              : std::string(t.text(v)));
  }
  return out.empty() ? "-" : out;
}

std::string drops_text(const Fields& stats) {
  std::string out = stats.str("drops_total", "0");
  const auto drops = stats.get("drops");
  const JsonTape& t = stats.tape();
  if (!drops || !t.is(*drops, Type::kObject)) return out;
  std::string reasons;
  for (auto key = t.first_child(*drops); key; key = t.next_sibling(*key + 1, *drops)) {
    const Index value = *key + 1;
    if (t.is(value, Type::kNumber) && t.number(value) > 0) {
      reasons += (reasons.empty() ? "" : " ") + t.string(*key) + "=" + std::string(t.text(value));
    }
  }
  return reasons.empty() ? out : out + " (" + reasons + ")";
}

// "eth0 ok, eth1 SILENT 4.2s": the heartbeat paths (issue 11), "-" without.
std::string paths_text(const Fields& i) {
  std::string out;
  for (const Index p : i.list("paths")) {
    const Fields path(i.tape(), p);
    std::string state = path.str("state");
    if (state == "silent" || state == "down") {
      std::transform(state.begin(), state.end(), state.begin(), ::toupper);
      const auto age = path.get("last_heard_ms");
      if (age && i.tape().is(*age, Type::kNumber)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, " %.1fs", i.tape().number(*age) / 1000.0);
        state += buf;
      }
    }
    out += (out.empty() ? "" : ", ") + path.str("interface") + " " + state;
  }
  return out.empty() ? "-" : out;
}

// Why an instance is where it is, when that is not obvious: its fault, maintenance.
std::string note(const Fields& i) {
  std::string out;
  const auto add = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  if (const auto f = i.get("own_fault"); f && i.tape().is(*f, Type::kString))
    add(i.tape().string(*f));
  if (i.flag("maintenance")) add("maintenance");
  if (i.flag("releasing")) add("handing over");
  const Fields stats = i.sub("stats");
  if (stats.number("v3_only_peer") > 0) add("a v3 master sends no v2");  // IOP-3's MAY
  if (stats.number("v2_outranks") > 0) add("a v2 router outranks our sub-second rate");  // IOP-4
  std::string who;
  for (const Index s : i.list("strangers")) {
    who += (who.empty() ? "" : ",") + Fields(i.tape(), s).str("source");
  }
  if (!who.empty()) add("refusing strangers " + who);
  return out.empty() ? "-" : out;
}

std::vector<std::string> row(const Fields& i) {
  const Fields stats = i.sub("stats");
  std::string prio = i.str("priority");
  const std::string eff = i.str("effective_priority");
  if (eff != prio) prio += "->" + eff;
  return {i.str("name"), i.str("interface"), i.str("vrid"), i.str("family"),
          // "3+v2": v2_compat, RFC 5798 §8.4.2 (its ignored v2 copies: v2_shadowed)
          i.str("version") + (i.flag("v2_compat") ? "+v2" : ""), i.str("state"), prio,
          i.str("master"), join_vips(i),
          stats.str("adverts_sent", "0") + "/" + stats.str("adverts_received", "0"),
          drops_text(stats), paths_text(i), note(i)};
}

}  // namespace

std::string status_table(const JsonTape& tape, JsonTape::Index status) {
  const std::vector<std::string> header = {"INSTANCE", "IFACE", "VRID",   "AF",   "VER",
                                           "STATE",    "PRIO",  "MASTER", "VIPS", "ADV TX/RX",
                                           "DROPS",    "PATHS", "NOTE"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const Index i : Fields(tape, status).list("instances")) rows.push_back(row(Fields(tape, i)));
  if (rows.size() == 1) return "no instances configured\n";
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      out += r[c];
      if (c + 1 < r.size()) out.append(width[c] - r[c].size() + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

Result<std::string> status_table(std::string_view status_json) {
  auto tape = JsonTape::read(status_json);
  if (!tape) return fail(tape.error());
  return status_table(*tape, tape->root());
}

}  // namespace floatd::cli
