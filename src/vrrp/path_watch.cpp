#include "vrrp/path_watch.hpp"

#include <algorithm>
#include <cstdio>

namespace floatd::vrrp {
namespace {

std::string seconds_text(Microseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1e6);
  return buf;
}

}  // namespace

std::string_view path_state_name(PathState s) {
  switch (s) {
    case PathState::kIdle: return "idle";
    case PathState::kOk: return "ok";
    case PathState::kSilent: return "silent";
    case PathState::kDown: return "down";
  }
  return "?";
}

PathWatch::PathWatch(std::vector<std::string> names) {
  paths_.reserve(names.size());
  for (auto& n : names) {
    Path p;
    p.name = std::move(n);
    paths_.push_back(std::move(p));
  }
}

PathState PathWatch::resting_state(const Path& p) const {
  if (!p.link_up) return PathState::kDown;
  return watching_ ? PathState::kOk : PathState::kIdle;
}

void PathWatch::move(std::size_t i, PathState to, std::string reason,
                     std::vector<PathChange>& out) {
  Path& p = paths_[i];
  if (p.state == to) return;
  const PathState from = p.state;
  p.state = to;
  const auto alarm = [](PathState s) { return s == PathState::kSilent || s == PathState::kDown; };
  p.alarm = alarm(to) ? reason : std::string();
  if (alarm(from) || alarm(to)) out.push_back({i, from, to, std::move(reason)});
}

void PathWatch::set_watching(bool watching, MonoTime now, std::vector<PathChange>& out) {
  if (watching == watching_) return;
  watching_ = watching;
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    Path& p = paths_[i];
    p.since = watching ? std::optional<MonoTime>(now) : std::nullopt;  // a fresh start
    if (p.state == PathState::kDown) continue;
    move(i, resting_state(p), p.name + ": no longer watched: this router is not a Backup", out);
  }
}

void PathWatch::set_link(std::size_t path, std::optional<std::string> down, MonoTime now,
                         std::vector<PathChange>& out) {
  Path& p = paths_.at(path);
  const bool up = !down.has_value();
  if (up == p.link_up && (up || *down == p.down_reason)) return;
  p.link_up = up;
  p.down_reason = down.value_or("");
  if (!up) {
    move(path, PathState::kDown, p.name + ": " + p.down_reason, out);
    return;
  }
  p.since = now;  // a link that just came back has had no chance to hear anything
  move(path, resting_state(p), p.name + ": link is up", out);
}

void PathWatch::heard(std::size_t path, const IpAddress& from, MonoTime now,
                      std::vector<PathChange>& out) {
  Path& p = paths_.at(path);
  p.last_heard = now;
  p.last_from = from;
  if (!watching_) return;
  p.since = now;
  if (p.state == PathState::kSilent) {
    move(path, PathState::kOk, p.name + ": hears " + from.to_string() + " again", out);
  }
}

// When path i turns kSilent, if nothing changes: Master_Down_Interval after it last heard
// (or began), provided another path has since heard an advert that path i did not.
//
// The Master sends each advert on every path at once, so the copies of the one advert arrive
// microseconds to milliseconds apart, in any order. A copy on another path only that much
// later is the same advert, not proof that the Master still talks: when the Master dies, its
// last advert's copies must not make the path that heard it first look silent a moment before
// the machine takes over. Another advert comes an Advertisement_Interval later, and
// Master_Down_Interval (3 intervals + Skew_Time) is at most 4 of them, so limit / 8 (at most
// half an interval) tells the two apart.
std::optional<MonoTime> PathWatch::silent_at(std::size_t i, Microseconds limit) const {
  const Path& p = paths_[i];
  if (!watching_ || p.state != PathState::kOk || !p.since) return std::nullopt;
  const MonoTime later = *p.since + limit / 8;
  for (std::size_t j = 0; j < paths_.size(); ++j) {
    const Path& q = paths_[j];
    if (j != i && q.state == PathState::kOk && q.since && q.last_heard && *q.last_heard == *q.since &&
        *q.last_heard > later) {
      return *p.since + limit;
    }
  }
  return std::nullopt;
}

void PathWatch::tick(MonoTime now, Microseconds limit, std::vector<PathChange>& out) {
  std::vector<std::size_t> due;  // judged on the same facts, then moved
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    if (auto at = silent_at(i, limit); at && *at <= now) due.push_back(i);
  }
  for (std::size_t i : due) {
    const Path& p = paths_[i];
    std::string heard_on;
    std::optional<IpAddress> master;
    for (const Path& q : paths_) {
      if (&q == &p || q.state != PathState::kOk || !q.last_heard) continue;
      heard_on += (heard_on.empty() ? "" : ", ") + q.name;
      if (!master) master = q.last_from;
    }
    const std::optional<IpAddress> who = p.last_from ? p.last_from : master;
    const std::string reason =
        p.name + ": no adverts" + (who ? " from " + who->to_string() : std::string()) + " for " +
        seconds_text(now - *p.since) + " while " + heard_on + " hears it: the link between the " +
        "nodes on " + p.name + " is broken; not taking over";
    move(i, PathState::kSilent, reason, out);
  }
}

std::optional<MonoTime> PathWatch::next_deadline(Microseconds limit) const {
  std::optional<MonoTime> best;
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    if (auto at = silent_at(i, limit); at && (!best || *at < *best)) best = at;
  }
  return best;
}

}  // namespace floatd::vrrp
