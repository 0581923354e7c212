// PathWatch: which of a Backup's links to its Master still carry the Master's adverts.
//
// An instance with heartbeat paths (issue 11) hears its Master on the primary interface and on
// each path. The state machine needs no change for that: an advert from any path resets
// Master_Down_Timer (RFC 5798 §6.4.2), so it runs only while every path is silent. What the
// machine cannot say is that one path went quiet while another still hears the Master: the
// cable or switch port that would have split the brain without paths. PathWatch says it, so
// the operator sees the alarm before the second failure.
//
// Only a Backup can watch: a Master hears nobody (Backups do not send), so while not watching
// a path is kIdle. A path whose link is down is kDown whatever the role. A path is kSilent when
// it has heard nothing for Master_Down_Interval while another path heard the Master within the
// same interval; when every path is quiet, nothing is raised here: the machine takes over.
//
// Pure: events in, changes out, the deadline as data. Path 0 is the primary interface.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"

namespace floatd::vrrp {

enum class PathState : std::uint8_t {
  kIdle,    // not watched: this router is not a Backup
  kOk,      // a Backup that heard the Master on it within Master_Down_Interval (or just began)
  kSilent,  // a Backup that hears the Master elsewhere but not here: the alarm
  kDown,    // its link is down or missing
};

std::string_view path_state_name(PathState s);  // "idle", "ok", "silent", "down"

// A change a person must hear of: into an alarm (kSilent, kDown) or out of one.
struct PathChange {
  std::size_t path = 0;
  PathState from = PathState::kIdle;
  PathState to = PathState::kIdle;
  std::string reason;  // "eth0: no adverts from 10.0.0.1 for 3.6 s while eth1 hears it: ..."
  bool alarm() const { return to == PathState::kSilent || to == PathState::kDown; }
};

class PathWatch {
 public:
  struct Path {
    std::string name;  // the interface
    PathState state = PathState::kIdle;
    bool link_up = false;
    std::string down_reason;             // why the link is down, while it is
    std::string alarm;                   // the alarm's text, while kSilent or kDown
    std::optional<MonoTime> since;       // watched: last advert heard, or when watching began
    std::optional<MonoTime> last_heard;  // the last advert heard on it, ever
    std::optional<IpAddress> last_from;  // and its source
  };

  explicit PathWatch(std::vector<std::string> names);

  // Watching while the instance is a Backup; `limit` is its Master_Down_Interval now.
  void set_watching(bool watching, MonoTime now, std::vector<PathChange>& out);
  // The path's link is usable (nullopt) or not, and why.
  void set_link(std::size_t path, std::optional<std::string> down, MonoTime now,
                std::vector<PathChange>& out);
  // An advert this instance accepted arrived on `path`.
  void heard(std::size_t path, const IpAddress& from, MonoTime now, std::vector<PathChange>& out);
  // Paths silent for `limit` while another hears the Master go kSilent.
  void tick(MonoTime now, Microseconds limit, std::vector<PathChange>& out);
  std::optional<MonoTime> next_deadline(Microseconds limit) const;

  const std::vector<Path>& paths() const { return paths_; }
  bool watching() const { return watching_; }

 private:
  std::optional<MonoTime> silent_at(std::size_t i, Microseconds limit) const;
  void move(std::size_t i, PathState to, std::string reason, std::vector<PathChange>& out);
  PathState resting_state(const Path& p) const;

  std::vector<Path> paths_;
  bool watching_ = false;
};

}  // namespace floatd::vrrp
