// The validation pass: rules across keys and sections, run on the Config the parse pass
// built (even when that pass found errors, so that one run reports everything).
//
// Per instance (validate_instance.cpp): required keys, one address family, what VRRPv2
// allows, unicast addresses, authentication, the address owner's rules, VMAC and tracking.
// Across sections (validate_config.cpp): required keys of scripts and track files, a
// script's recover_attempts only with its recover, VRIDs unique per interface and family,
// virtual addresses in one instance only, references to scripts, track files and instances,
// sync group membership.
#pragma once

#include "config/config.hpp"

namespace floatd::config {

Errors validate(const Config& config);

void validate_instance(const InstanceConfig& instance, Errors& errors);

// "[instance web]": the key of an error about a whole section.
std::string section_key(std::string_view kind, std::string_view name);

}  // namespace floatd::config
