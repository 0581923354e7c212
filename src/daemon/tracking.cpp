#include "daemon/tracking.hpp"

#include "daemon/callback_guard.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "floatd/text.hpp"

namespace floatd::daemon {

struct Tracking::Script {
  Tracking* owner = nullptr;
  config::ScriptConfig config;
  std::optional<track::Command> check;    // nullopt: the command line did not parse
  std::optional<track::Command> recover;
  track::RiseFall state{1, 1, false};
  ev_timer timer{};
  std::optional<std::uint64_t> run;       // the check or recover command under way
  int recover_left = 0;
  ScriptStats stats;
  std::string last;                       // how the last run ended
};

struct Tracking::File {
  config::TrackFileConfig config;
  long value = 0;
  std::string error;  // why the last read failed (the value is then 0); empty when it did not
};

namespace {

double seconds(Centiseconds c) { return static_cast<double>(c.count()) / 100.0; }

// The output is outside text: sanitize_text() cuts it at 200 bytes without splitting a
// character and escapes what is not clean UTF-8, so `last` is safe in logs and JSON.
std::string describe(const track::ProcessResult& r) {
  std::string out = track::to_string(r.outcome);
  if (!r.error.empty()) out += ": " + r.error;
  const auto first_line = std::string_view(r.output).substr(0, r.output.find('\n'));
  const std::string first = sanitize_text(first_line, 200);
  if (!first.empty()) out += " (output: " + first + ")";
  return out;
}

}  // namespace

Tracking::Tracking(struct ev_loop* loop, Log& log, ProcessRunner& runner, Changed changed)
    : loop_(loop), log_(log), runner_(runner), changed_(std::move(changed)) {
  auto watch = track::FileWatch::open();
  if (watch) {
    watch_ = std::move(*watch);
  } else {
    log_.error("track_file: " + watch.error() + "; track files are read once and not followed");
  }
}

Tracking::~Tracking() {
  for (auto& [name, s] : scripts_) {
    ev_timer_stop(loop_, &s->timer);
    if (s->run) runner_.cancel(*s->run);
  }
}

void Tracking::configure(const config::Config& config) {
  std::set<std::string> used_scripts, used_files;
  for (const auto& i : config.instances) {
    for (const auto& t : i.track_scripts) used_scripts.insert(t.name);
    for (const auto& t : i.track_files) used_files.insert(t.name);
  }
  for (auto it = scripts_.begin(); it != scripts_.end();) {
    const auto* wanted = config.find_script(it->first);
    if (used_scripts.count(it->first) != 0 && wanted != nullptr && *wanted == it->second->config) {
      ++it;
      continue;
    }
    ev_timer_stop(loop_, &it->second->timer);
    if (it->second->run) runner_.cancel(*it->second->run);
    it = scripts_.erase(it);
  }
  for (const auto& name : used_scripts) {
    const auto* cfg = config.find_script(name);
    if (cfg == nullptr || scripts_.count(name) != 0) continue;
    auto s = std::make_unique<Script>();
    s->owner = this;
    s->config = *cfg;
    s->state = track::RiseFall(cfg->rise, cfg->fall, cfg->init_fail);
    s->recover_left = cfg->recover_attempts;
    if (auto c = track::parse_command(cfg->command); c) {
      s->check = *c;
    } else {
      log_.error("script " + name + ": " + c.error() + "; it counts as failed");
    }
    if (!cfg->recover.empty()) {
      if (auto c = track::parse_command(cfg->recover); c) s->recover = *c;
    }
    ev_timer_init(&s->timer, script_timer_cb, 0.0, seconds(cfg->interval));  // first check now
    s->timer.data = s.get();
    ev_timer_start(loop_, &s->timer);
    scripts_[name] = std::move(s);
  }
  std::set<std::string> old_paths;
  for (const auto& [name, f] : files_) old_paths.insert(f->config.file);
  std::erase_if(files_, [&](const auto& f) {
    const auto* wanted = config.find_track_file(f.first);
    return used_files.count(f.first) == 0 || wanted == nullptr || !(*wanted == f.second->config);
  });
  for (const auto& name : used_files) {
    const auto* cfg = config.find_track_file(name);
    if (cfg == nullptr || files_.count(name) != 0) continue;
    auto f = std::make_unique<File>();
    f->config = *cfg;
    if (watch_) {
      const std::string what = "track_file " + name + ": ";
      if (auto w = watch_->watch(cfg->file); !w) {
        log_.error(what + sanitize_text(w.error()) + "; trying again later");
      } else if (!watch_->watching(cfg->file)) {
        log_.notice(what + "the directory of " + sanitize_text(cfg->file) +
                    " does not exist yet; watching for it");
      }
    }
    reread(*f);
    files_[name] = std::move(f);
  }
  for (const auto& path : old_paths) {  // a path no file uses any more is not watched
    const bool used = std::any_of(files_.begin(), files_.end(),
                                  [&](const auto& f) { return f.second->config.file == path; });
    if (!used && watch_) watch_->unwatch(path);
  }
}

void Tracking::script_timer_cb(struct ev_loop*, ev_timer* w, int) noexcept {
  auto* s = static_cast<Script*>(w->data);
  guarded(s->owner->log_, "script " + s->config.name, [s] { s->owner->run_check(*s); });
}

void Tracking::run_check(Script& s) {
  if (s.run) return;  // the previous run (or a recovery) is still going: one at a time
  if (!s.check) {
    on_check(s, track::ProcessResult{track::Outcome::kSpawnError, -1, 0, {}, {}, "unparsable command"});
    return;
  }
  Script* sp = &s;
  auto id = runner_.start(*s.check, users_.run_as(s.config.user), Microseconds{s.config.timeout},
                          {"FLOATD_SCRIPT=" + s.config.name},
                          [this, sp](const track::ProcessResult& r) { on_check(*sp, r); });
  if (id) {
    s.run = *id;
  } else {
    on_check(s, track::ProcessResult{track::Outcome::kSpawnError, -1, 0, {}, {}, id.error()});
  }
}

void Tracking::on_check(Script& s, const track::ProcessResult& r) {
  s.run.reset();
  ++s.stats.runs;
  const bool ok = r.outcome == track::Outcome::kSuccess;
  if (!ok) ++s.stats.failures;
  if (r.outcome == track::Outcome::kTimeout) ++s.stats.timeouts;
  s.last = describe(r);
  // Local recovery first: when this failure would mark the script failed, try `recover`.
  if (!ok && !s.state.failed() && s.recover && s.recover_left > 0 && s.state.would_change(false)) {
    run_recover(s);
    return;
  }
  if (ok) s.recover_left = s.config.recover_attempts;
  if (!s.state.record(ok)) return;
  const std::string what = "script " + s.config.name;
  if (ok) {
    log_.notice(what + ": OK again after " + std::to_string(s.config.rise) + " passing check(s)");
  } else {
    log_.warning(what + ": FAILED after " + std::to_string(s.config.fall) + " failing check(s): " + s.last);
  }
  changed_(ScriptChange{s.config.name, ok ? ScriptState::kOk : ScriptState::kFailed, s.last});
}

void Tracking::run_recover(Script& s) {
  const int attempt = s.config.recover_attempts - s.recover_left + 1;
  --s.recover_left;
  ++s.stats.recoveries;
  const std::string what = "script " + s.config.name;
  log_.warning(what + ": " + s.last + "; running recover (attempt " + std::to_string(attempt) +
               " of " + std::to_string(s.config.recover_attempts) + ") before failing over");
  changed_(ScriptChange{s.config.name, ScriptState::kRecovering, s.config.recover});
  Script* sp = &s;
  auto done = [this, sp, what](const track::ProcessResult& r) {
    sp->run.reset();
    log_.notice(what + ": recover " + describe(r) + "; checking again");
    run_check(*sp);  // the re-check decides
  };
  auto id = runner_.start(*s.recover, users_.run_as(s.config.user), Microseconds{s.config.timeout},
                          {"FLOATD_SCRIPT=" + s.config.name}, done);
  if (id) {
    s.run = *id;
  } else {
    log_.error(what + ": recover could not start: " + id.error());
    run_check(s);
  }
}

int Tracking::file_fd() const { return watch_ ? watch_->fd() : -1; }

void Tracking::on_files() {
  if (!watch_) return;
  for (const auto& path : watch_->read()) {
    for (auto& [name, f] : files_) {
      if (f->config.file == path) reread(*f);
    }
  }
}

void Tracking::retry_files() {
  if (watch_) {
    for (const auto& path : watch_->retry()) {
      log_.notice("track_file: watching the directory of " + sanitize_text(path) + " again");
    }
  }
  for (auto& [name, f] : files_) reread(*f);  // level, not edge: a lost event costs one period
}

// The error of a failed read is logged once, when it first appears or changes, not on every
// re-read; the value is then 0. The error never holds the file's content (track/file_watch.hpp).
void Tracking::reread(File& f) {
  auto value = track::read_track_file(f.config.file);
  const std::string what = "track_file " + f.config.name + ": ";
  std::string error = value ? std::string() : sanitize_text(value.error());
  if (error != f.error) {
    if (!error.empty()) {
      log_.warning(what + error + "; using 0");
    } else {
      log_.notice(what + sanitize_text(f.config.file) + " is readable again");
    }
    f.error = std::move(error);
  }
  const long next = value ? *value : 0;
  if (next == f.value) return;
  f.value = next;
  const std::string file = sanitize_text(f.config.file);
  log_.notice(what + file + " is now " + std::to_string(next));
  changed_(FileChange{f.config.name, next, file});
}

track::PriorityResult Tracking::evaluate(const config::InstanceConfig& instance,
                                         const InterfaceTable& interfaces) const {
  std::vector<track::TrackedState> states;
  std::vector<track::TrackedValue> values;
  for (const auto& t : instance.track_scripts) {
    auto it = scripts_.find(t.name);
    if (it != scripts_.end()) states.push_back({"script " + t.name, t.weight, it->second->state.failed()});
  }
  for (const auto& t : instance.track_interfaces) {
    const auto* iface = interfaces.find(t.name);
    states.push_back({"interface " + t.name, t.weight, iface == nullptr || !iface->usable()});
  }
  for (const auto& t : instance.track_files) {
    auto it = files_.find(t.name);
    values.push_back({"file " + t.name, t.weight, it == files_.end() ? 0 : it->second->value});
  }
  return track::effective_priority(instance.priority, states, values);
}

TrackingSnapshot Tracking::snapshot() const {
  TrackingSnapshot out;
  for (const auto& [name, s] : scripts_) {
    out.scripts.push_back({name, s->state.failed(), s->stats, s->last});
  }
  for (const auto& [name, f] : files_) {
    out.files.push_back({name, sanitize_text(f->config.file), f->value,
                         watch_ != nullptr && watch_->watching(f->config.file), f->error});
  }
  return out;
}

}  // namespace floatd::daemon
