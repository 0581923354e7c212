// The ConfigLoader over a thread (config_loader.hpp): each start() runs load_config() on a new
// std::thread, and an eventfd, which the daemon watches on its loop, says when the outcome is
// ready (what ev_async does, behind the same descriptor contract as every other port).
//
// The thread has every signal blocked (SIGHUP, SIGTERM and SIGCHLD stay the loop thread's)
// and runs as SCHED_BATCH at a nice of +10: with vrrp_rt_priority the loop is SCHED_RR, which
// a new thread would inherit, and on a small machine the load must not take the CPU from the
// loop it exists to spare. It holds nothing of the daemon's: a copy of the path and a
// snapshot of the running config. The destructor joins it, so a load still running when
// floatd stops is waited for after the daemon has resigned (the ports outlive the Daemon),
// and nothing it uses is freed under it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "daemon/config_loader.hpp"

namespace floatd::daemon {

class ThreadConfigLoader final : public ConfigLoader {
 public:
  static Result<std::unique_ptr<ThreadConfigLoader>> open();  // the eventfd
  ~ThreadConfigLoader() override;
  ThreadConfigLoader(const ThreadConfigLoader&) = delete;
  ThreadConfigLoader& operator=(const ThreadConfigLoader&) = delete;

  int fd() const override { return fd_; }
  Result<Ok> start(LoadRequest request) override;
  std::optional<LoadOutcome> finished() override;

 private:
  explicit ThreadConfigLoader(int fd) : fd_(fd) {}
  void run(const LoadRequest& request) noexcept;  // the thread

  int fd_;
  std::thread worker_;
  std::mutex mutex_;
  std::optional<LoadOutcome> outcome_;  // guarded by mutex_
};

}  // namespace floatd::daemon
