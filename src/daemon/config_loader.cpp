#include "daemon/config_loader.hpp"

#include <utility>

namespace floatd::daemon {

LoadOutcome load_config(const LoadRequest& request) {
  auto next = config::load(request.path);
  if (!next) return fail(next.error());
  LoadedConfig loaded;
  if (auto errors = runtime_checks(*next, &loaded.users, &loaded.keys); !errors.empty()) {
    return fail(std::move(errors));
  }
  // Checked: the locations are not needed any more (a kilobyte per instance).
  for (auto& i : next->instances) config::forget_locations(i);
  const std::vector<config::InstanceConfig> none;
  const auto& running = request.running ? request.running->instances : none;
  loaded.plan = plan_reload(running, next->instances);
  loaded.config = std::make_shared<const config::Config>(std::move(*next));
  return loaded;
}

}  // namespace floatd::daemon
