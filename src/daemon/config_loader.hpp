// Loading a new configuration away from the event loop. A reload reads the files, parses and
// validates them, resolves the script users through NSS, reads the heartbeat keys and matches
// the result against the running config (reload_plan.hpp). At 4,000 instances that is a few
// hundred milliseconds, and a loop that did it itself sent no advert meanwhile (4,000 instances
// at advert_int 1 have one due every 0.25 ms). The ConfigLoader port runs that job,
// load_config(), somewhere else and makes its descriptor readable when it is done; the loop
// then only applies the plan (Daemon::apply_config).
//
// load_config() shares no mutable state with the loop: it reads files and NSS (the reentrant
// calls), logs nothing (warnings travel back in ScriptUsers) and sees the running config only
// as an immutable snapshot, a shared_ptr<const Config> the daemon replaces but never changes.
// thread_config_loader.hpp runs it on a thread; tests/daemon/fake_system.hpp runs it when the
// test says, so the daemon's tests stay deterministic.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/reload_plan.hpp"
#include "daemon/runtime_checks.hpp"
#include "floatd/result.hpp"

namespace floatd::daemon {

struct LoadRequest {
  std::string path;                               // the main config file
  std::shared_ptr<const config::Config> running;  // what the plan is made against
};

struct LoadedConfig {
  std::shared_ptr<const config::Config> config;  // checked; source locations forgotten
  ScriptUsers users;
  PathKeys keys;
  ReloadPlan plan;  // from the request's running config to `config`
};

using LoadOutcome = Result<LoadedConfig, config::Errors>;

// config::load, runtime_checks, then plan_reload against `request.running` (none: all start).
// Every error of the files or the checks, or the loaded config.
LoadOutcome load_config(const LoadRequest& request);

class ConfigLoader {
 public:
  virtual ~ConfigLoader() = default;
  virtual int fd() const = 0;  // readable when a started load has finished
  // Runs load_config(request) away from the caller. One load at a time: the caller starts the
  // next only once finished() has handed over this one's outcome (an error otherwise).
  virtual Result<Ok> start(LoadRequest request) = 0;
  // The finished load's outcome, once (fd() is quiet again), or nullopt while it runs.
  virtual std::optional<LoadOutcome> finished() = 0;
};

}  // namespace floatd::daemon
