// What the tracking layer (tracking.hpp) tells the rest of the daemon, as values:
//   TrackerChange    a script or track file changed state, as it happens: the daemon publishes
//                    an event and re-evaluates every instance;
//   TrackingSnapshot every script and track file as it is now: what `floatctl status` shows
//                    (status.hpp makes its JSON) and what metrics.hpp counts.
// Readers make their own text from these (tracker_text() for events and logs), so nobody
// parses another part's output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace floatd::daemon {

// A check script, after rise/fall. kRecovering: the checks are failing and its recover command
// runs before it may count as failed (tracking.hpp); it is still OK until then.
enum class ScriptState { kOk, kFailed, kRecovering };

// "OK", "FAILED", "RECOVERING".
std::string_view script_state_name(ScriptState state);

struct ScriptChange {
  std::string name;    // the [script NAME] section
  ScriptState state = ScriptState::kOk;
  std::string detail;  // how the last run ended; for kRecovering, the recover command
};

struct FileChange {
  std::string name;  // the [track_file NAME] section
  long value = 0;    // the number now in the file (0 when unreadable)
  std::string file;  // its path, made safe for logs and JSON
};

using TrackerChange = std::variant<ScriptChange, FileChange>;

// A change as text: what changed ("script chk_web", "file maint"), its state ("OK", "FAILED",
// "RECOVERING", or a file's number "3") and why (may be empty). For `floatctl events`.
struct TrackerText {
  std::string what;
  std::string state;
  std::string detail;
};
TrackerText tracker_text(const TrackerChange& change);

struct ScriptStats {
  std::uint64_t runs = 0;
  std::uint64_t failures = 0;   // runs that failed, timeouts included
  std::uint64_t timeouts = 0;
  std::uint64_t recoveries = 0; // recover commands run
};

struct ScriptSnapshot {
  std::string name;
  bool failed = false;  // after rise/fall; a recovery under way has not failed it yet
  ScriptStats stats;
  std::string last;     // how the last run ended, made safe for logs and JSON
};

struct FileSnapshot {
  std::string name;
  std::string file;    // its path, made safe for logs and JSON
  long value = 0;
  bool watched = false;  // its directory is watched itself (not only waited for)
  std::string error;     // why the last read failed (the value is then 0); empty when it did not
};

// In name order, as the config's sections are matched.
// The process runner's slots (max_running_scripts): filled by the daemon, which owns the runner.
struct ProcessSlots {
  std::size_t running = 0;
  std::size_t queued = 0;
  std::size_t max_running = 0;
};

struct TrackingSnapshot {
  std::vector<ScriptSnapshot> scripts;
  std::vector<FileSnapshot> files;
  ProcessSlots processes;
};

}  // namespace floatd::daemon
