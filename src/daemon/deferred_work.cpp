#include "daemon/deferred_work.hpp"

#include "daemon/callback_guard.hpp"

namespace floatd::daemon {

DeferredWork::DeferredWork(struct ev_loop* loop, Log& log) : loop_(loop), log_(log) {
  ev_prepare_init(&watcher_, prepare_cb);
  watcher_.data = this;
}

DeferredWork::~DeferredWork() { ev_prepare_stop(loop_, &watcher_); }

void DeferredWork::defer(std::string what, std::function<void()> work) {
  queue_.push_back({std::move(what), std::move(work)});
  ev_prepare_start(loop_, &watcher_);
}

void DeferredWork::clear() {
  queue_.clear();
  ev_prepare_stop(loop_, &watcher_);
}

void DeferredWork::run_now() {
  ev_prepare_stop(loop_, &watcher_);
  auto items = std::move(queue_);
  queue_.clear();
  for (auto& item : items) guarded(log_, item.what, item.work);
}

void DeferredWork::prepare_cb(struct ev_loop*, ev_prepare* w, int) noexcept {
  static_cast<DeferredWork*>(w->data)->run_now();
}

}  // namespace floatd::daemon
