// Rules across sections (see validate.hpp).
#include <map>
#include <tuple>

#include "config/validate.hpp"

namespace floatd::config {
namespace {

std::string family_text(Family f) { return f == Family::kIPv4 ? "IPv4" : "IPv6"; }

void check_scripts(const Config& config, Errors& errors) {
  for (const auto& s : config.scripts) {
    if (!s.origin.has("script")) {
      errors.push_back({s.origin.section, section_key("script", s.name),
                        "script is required (script = /absolute/path [ARGS])"});
    }
    if (s.origin.has("recover_attempts") && !s.origin.has("recover")) {
      errors.push_back({s.origin.at("recover_attempts"), "recover_attempts",
                        "recover_attempts needs recover (recover = /absolute/path [ARGS])"});
    }
  }
  for (const auto& t : config.track_files) {
    if (!t.origin.has("file")) {
      errors.push_back({t.origin.section, section_key("track_file", t.name),
                        "file is required (file = /absolute/path)"});
    }
  }
}

// Two routers with one VRID on one link and family are one virtual router (RFC 5798 §7.3).
void check_vrids(const Config& config, Errors& errors) {
  std::map<std::tuple<std::string, Family, Vrid>, const InstanceConfig*> seen;
  for (const auto& in : config.instances) {
    if (in.vrid == 0 || in.interface.empty()) continue;
    auto [it, inserted] = seen.try_emplace({in.interface, in.family(), in.vrid}, &in);
    if (inserted) continue;
    const auto& loc = in.origin.at("virtual_router_id");
    errors.push_back({loc, "virtual_router_id",
                      std::to_string(in.vrid) + " is already used on " + in.interface + " for " +
                          family_text(in.family()) + " by instance " + it->second->name + " (" +
                          describe_loc(it->second->origin.at("virtual_router_id"), loc) +
                          "); a VRID is unique per interface and address family"});
  }
  // A heartbeat path receives this VRID's adverts on its interface, so there it is taken too.
  for (const auto& in : config.instances) {
    if (in.vrid == 0) continue;
    for (const auto& path : in.heartbeat_paths) {
      // Its own interface and a repeated path line are check_heartbeat_paths's to report.
      auto [it, inserted] = seen.try_emplace({path.interface, in.family(), in.vrid}, &in);
      if (inserted || it->second == &in) continue;
      errors.push_back({path.origin.loc, "heartbeat_path",
                        "VRID " + std::to_string(in.vrid) + " on " + path.interface + " for " +
                            family_text(in.family()) + " is already used by instance " +
                            it->second->name +
                            "; a heartbeat path needs an interface where the VRID is free"});
    }
  }
}

void check_shared(const Config& config, Errors& errors) {
  std::map<IpAddress, const InstanceConfig*> vips;
  std::map<std::string, const InstanceConfig*> vmacs;
  for (const auto& in : config.instances) {
    for (const auto& vip : in.vips) {
      auto [it, inserted] = vips.try_emplace(vip.prefix.address, &in);
      if (!inserted && it->second != &in) {
        errors.push_back({vip.origin.loc, "virtual_ipaddress",
                          vip.prefix.address.to_string() +
                              " is also a virtual address of instance " + it->second->name +
                              "; an address belongs to one instance"});
      }
    }
    if (in.vmac.empty()) continue;
    auto [it, inserted] = vmacs.try_emplace(in.vmac, &in);
    if (!inserted) {
      errors.push_back({in.origin.at("use_vmac"), "use_vmac",
                        in.vmac + " is also the VMAC of instance " + it->second->name +
                            "; give each instance its own name"});
    }
  }
}

void check_references(const Config& config, Errors& errors) {
  for (const auto& in : config.instances) {
    for (const auto& ref : in.track_scripts) {
      if (config.find_script(ref.name) == nullptr) {
        errors.push_back(
            {ref.origin.loc, "track_script", "no [script " + ref.name + "] is defined"});
      }
    }
    for (const auto& ref : in.track_files) {
      if (config.find_track_file(ref.name) == nullptr) {
        errors.push_back(
            {ref.origin.loc, "track_file", "no [track_file " + ref.name + "] is defined"});
      }
    }
  }
}

void check_sync_groups(const Config& config, Errors& errors) {
  std::map<std::string, std::pair<const SyncGroupConfig*, SourceLoc>> member_of;
  for (const auto& group : config.sync_groups) {
    for (const auto& m : group.members) {
      const auto& loc = m.origin.loc;
      if (config.find_instance(m.name) == nullptr) {
        errors.push_back({loc, "group", "no [instance " + m.name + "] is defined"});
        continue;
      }
      auto [it, inserted] = member_of.try_emplace(m.name, &group, loc);
      if (inserted) continue;
      const auto& [other, other_loc] = it->second;
      const std::string where = other == &group ? "this group" : "sync group " + other->name;
      errors.push_back({loc, "group",
                        m.name + " is already in " + where + " (" + describe_loc(other_loc, loc) +
                            "); an instance is in at most one sync group, once"});
    }
  }
}

}  // namespace

std::string section_key(std::string_view kind, std::string_view name) {
  return "[" + std::string(kind) + " " + std::string(name) + "]";
}

Errors validate(const Config& config) {
  Errors errors;
  check_scripts(config, errors);
  for (const auto& in : config.instances) validate_instance(in, errors);
  check_vrids(config, errors);
  check_shared(config, errors);
  check_references(config, errors);
  check_sync_groups(config, errors);
  return errors;
}

}  // namespace floatd::config
