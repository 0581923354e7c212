// Small value types shared across areas: VRRP identifiers, versions and instance states.
#pragma once

#include <cstdint>
#include <string_view>

namespace floatd {

using Vrid = std::uint8_t;      // 1..255 (rfc-checklist GEN-6); 0 is invalid
using Priority = std::uint8_t;  // 0 = resigning, 1..254 backup, 255 = owner (GEN-7)

inline constexpr Priority kOwnerPriority = 255;
inline constexpr Priority kDefaultPriority = 100;

enum class Version : std::uint8_t { kV2 = 2, kV3 = 3 };

// The instance's state. kFault is not in the RFC: a failed link or tracker (checklist SM-17).
enum class State : std::uint8_t { kInit, kBackup, kMaster, kFault };

std::string_view state_name(State s);  // "INIT", "BACKUP", "MASTER", "FAULT"

}  // namespace floatd
