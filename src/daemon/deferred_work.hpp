// Work that must run after the current callback has finished, not inside it: a sync group's
// members following one another, tracking results re-evaluated once per batch of changes.
//
// It runs from an ev_prepare watcher, i.e. at the start of the next loop iteration, before
// floatd blocks again: every iteration, whatever else is pending. (It used to run from an
// ev_idle watcher, which libev runs only when nothing else is pending: under an advert flood a
// failed health check never took effect. Issue 10, defect 8.) Each piece is its own exception
// boundary.
#pragma once

#include <ev.h>

#include <functional>
#include <string>
#include <vector>

#include "floatd/log.hpp"

namespace floatd::daemon {

class DeferredWork {
 public:
  DeferredWork(struct ev_loop* loop, Log& log);
  ~DeferredWork();
  DeferredWork(const DeferredWork&) = delete;
  DeferredWork& operator=(const DeferredWork&) = delete;

  // Queues `work` (`what` names it in a log line if it throws). Work queued while the queue
  // runs goes to the next iteration.
  void defer(std::string what, std::function<void()> work);
  // Drops everything queued (shutdown: the instances the work refers to are going).
  void clear();
  std::size_t pending() const { return queue_.size(); }
  // Runs what is queued now; the watcher calls this, and so may a caller that must not wait.
  void run_now();

 private:
  struct Item {
    std::string what;
    std::function<void()> work;
  };
  static void prepare_cb(struct ev_loop* loop, ev_prepare* w, int revents) noexcept;

  struct ev_loop* loop_;
  Log& log_;
  ev_prepare watcher_{};
  std::vector<Item> queue_;
};

}  // namespace floatd::daemon
