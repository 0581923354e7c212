// The rules of a vrrp_instance that need the whole block: what floatd requires,
// the version and family keepalived would run it with, what keepalived resets
// or ignores, and the global_defs keywords that are instance keys in floatd.
#include <algorithm>

#include "cli/keepalived_draft.hpp"
#include "config/values.hpp"

namespace floatd::cli::keepalived {
namespace {

struct Context {
  InstanceDraft& in;
  const Defs& defs;
  Notes& notes;
  Family family;

  Draft& draft() { return in.draft; }
  std::string value(const std::string& key, std::string fallback) const {
    const auto* s = in.draft.get(key);
    return s == nullptr ? fallback : s->value;
  }
  void drop(const std::string& key, const std::string& reason) {
    if (auto s = in.draft.take(key)) notes.add(s->loc, s->keyword, not_carried(reason));
  }
};

bool required(const InstanceDraft& in, Notes& notes) {
  std::string missing;
  if (in.draft.get("interface") == nullptr)
    missing = "an interface";
  else if (in.draft.get("virtual_router_id") == nullptr)
    missing = "a virtual_router_id";
  else if (in.vips.empty())
    missing = "a virtual_ipaddress";
  if (missing.empty()) return true;
  notes.add(in.draft.loc, "vrrp_instance " + in.draft.name,
            not_carried("floatd needs " + missing + " in an instance"));
  return false;
}

// keepalived: the instance's version, else global vrrp_version, else 2; IPv6 is
// always 3. The key is written when keepalived's config had it or it differs
// from [global].
void resolve_version(Context& c) {
  const auto* own = c.draft().get("version");
  std::string version = own != nullptr ? own->value : c.defs.vrrp_version;
  if (c.family == Family::kIPv6 && version == "2") {
    if (own != nullptr) c.drop("version", "keepalived runs IPv6 instances as VRRPv3");
    version = "3";
  }
  if (c.draft().get("version") == nullptr && version != c.defs.vrrp_version) {
    c.draft().once["version"] = Setting{version, c.draft().loc, "version"};
  }
}

// VRRPv2 takes whole seconds (keepalived rounds), VRRPv3 0.01..40.95.
void check_advert_int(Context& c, const std::string& version) {
  auto* s = c.draft().get("advert_int") ? &c.draft().once["advert_int"] : nullptr;
  if (s == nullptr) return;
  auto cs = *parse_keepalived_seconds(s->value);
  if (version == "2") {
    const auto whole = std::max<std::int64_t>(1, (cs.count() + 50) / 100);
    s->value = std::to_string(whole);
  } else if (cs < Centiseconds{1} || cs > Centiseconds{4095}) {
    c.drop("advert_int", "VRRPv3 takes 0.01..40.95 seconds");
  }
}

void check_version_keys(Context& c, const std::string& version) {
  if (version == "3" && c.draft().get("auth_type") != nullptr) {
    c.drop("auth_type", "VRRPv3 has no authentication; keepalived ignores it");
    c.drop("auth_pass", "VRRPv3 has no authentication; keepalived ignores it");
  }
  const bool v3_v4 = version == "3" && c.family == Family::kIPv4;
  if (!v3_v4 && c.value("v3_checksum_as_v2", "no") == "yes") {
    c.drop("v3_checksum_as_v2", "it applies to VRRPv3 over IPv4 only");
  }
}

void apply_defaults(Context& c, const std::string& version) {
  const auto use = [&c](const std::string& key, const std::optional<Setting>& global) {
    if (global && c.draft().get(key) == nullptr) c.draft().once[key] = *global;
  };
  use("garp_master_delay", c.defs.instance.garp_delay);
  use("garp_master_repeat", c.defs.instance.garp_repeat);
  use("garp_master_refresh", c.defs.instance.garp_refresh);
  if (version == "3" && c.family == Family::kIPv4) {
    use("v3_checksum_as_v2", c.defs.instance.checksum_as_v2);
  }
}

// keepalived's vrrp_complete_instance: nopreempt is reset on an address owner
// and with state MASTER; preempt_delay is reset with state MASTER and with
// nopreempt.
void check_preempt(Context& c) {
  const bool owner = c.value("priority", "100") == "255";
  const bool master = c.value("state", "BACKUP") == "MASTER";
  bool nopreempt = false;
  if (c.in.nopreempt) {
    const char* why = owner    ? "keepalived resets nopreempt on an address owner (priority 255)"
                      : master ? "keepalived ignores nopreempt with state MASTER"
                               : nullptr;
    if (why != nullptr) c.notes.add(*c.in.nopreempt, "nopreempt", not_carried(why));
    nopreempt = why == nullptr;
  }
  if (nopreempt) c.draft().once["preempt"] = Setting{"no", *c.in.nopreempt, "nopreempt"};
  if (master) c.drop("preempt_delay", "keepalived ignores preempt_delay with state MASTER");
  if (nopreempt) c.drop("preempt_delay", "keepalived ignores preempt_delay with nopreempt");
}

// keepalived never moves an address owner's priority, so a weight has no effect
// there.
void check_owner_tracks(Context& c) {
  if (c.value("priority", "100") != "255") return;
  for (const char* key : {"track_interface", "track_script", "track_file"}) {
    auto& list = c.draft().lists[key];
    std::erase_if(list, [&c](const Setting& s) {
      if (track_weight(s.value) == 0) return false;
      c.notes.add(s.loc, s.keyword,
                  not_carried("keepalived never changes the priority of an "
                              "address owner (255)"));
      return true;
    });
  }
}

// The device a label must name: dev, else the VMAC, else the interface.
std::string vip_device(Context& c, const VipDraft& vip) {
  if (!vip.dev.empty()) return vip.dev;
  const std::string vmac = c.value("use_vmac", "no");
  if (vmac == "yes") {
    return (c.family == Family::kIPv4 ? "vrrp." : "vrrp6.") + c.value("virtual_router_id", "");
  }
  return vmac != "no" ? vmac : c.value("interface", "");
}

void write_vips(Context& c) {
  for (const auto& vip : c.in.vips) {
    std::string text = vip.prefix.to_string();
    if (!vip.dev.empty()) text += " dev " + vip.dev;
    if (!vip.label.empty()) {
      const std::string device = vip_device(c, vip);
      const bool ok = c.family == Family::kIPv4 && vip.label.size() <= 15 &&
                      vip.label.starts_with(device + ":") && vip.label.size() > device.size() + 1;
      if (ok) {
        text += " label " + vip.label;
      } else {
        c.notes.add(vip.loc, "label",
                    not_carried("floatd's label is IPv4 only and reads " + device +
                                ":SUFFIX, at most 15 characters"));
      }
    }
    c.draft().add("virtual_ipaddress", Setting{text, vip.loc, "virtual_ipaddress"});
  }
}

void check_unicast(Context& c) {
  const auto other_family = [&c](const std::string& text) {
    return IpAddress::parse(text)->family() != c.family;
  };
  if (const auto* src = c.draft().get("unicast_src_ip"); src && other_family(src->value)) {
    c.drop("unicast_src_ip", "not of the family of the virtual addresses");
  }
  const auto* src = c.draft().get("unicast_src_ip");
  std::erase_if(c.draft().lists["unicast_peer"], [&](const Setting& s) {
    const bool own = src != nullptr && src->value == s.value;
    if (!other_family(s.value) && !own) return false;
    c.notes.add(s.loc, s.keyword,
                not_carried(own ? "it is unicast_src_ip" : "not of the family of the addresses"));
    return true;
  });
}

void check_vmac(Context& c) {
  const std::string vmac = c.value("use_vmac", "no");
  if (vmac == c.value("interface", "")) c.drop("use_vmac", "the VMAC needs its own name");
}

}  // namespace

std::optional<Draft> finish_instance(InstanceDraft instance, const Defs& defs, Notes& notes) {
  if (!required(instance, notes)) return std::nullopt;
  Context c{instance, defs, notes, instance.vips.front().prefix.address.family()};
  resolve_version(c);
  const std::string version = c.value("version", defs.vrrp_version);
  check_advert_int(c, version);
  check_version_keys(c, version);
  apply_defaults(c, version);
  check_preempt(c);
  check_owner_tracks(c);
  check_vmac(c);
  write_vips(c);
  check_unicast(c);
  return std::move(instance.draft);
}

}  // namespace floatd::cli::keepalived
