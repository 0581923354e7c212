#include "daemon/thread_config_loader.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>
#include <utility>

namespace floatd::daemon {
namespace {

// The calling thread (Linux: the scheduling policy and the nice value are per thread).
void lower_priority() {
  sched_param param{};
  (void)sched_setscheduler(0, SCHED_BATCH, &param);
  const pid_t self = gettid();
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(self));
  if (errno == 0) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(self), nice + 10);
}

config::Errors internal_error(const std::string& path, const std::string& what) {
  return {{{path, 0}, "", "internal error while loading: " + what}};
}

}  // namespace

Result<std::unique_ptr<ThreadConfigLoader>> ThreadConfigLoader::open() {
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return fail(std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<ThreadConfigLoader>(new ThreadConfigLoader(fd));
}

ThreadConfigLoader::~ThreadConfigLoader() {
  if (worker_.joinable()) worker_.join();
  close(fd_);
}

Result<Ok> ThreadConfigLoader::start(LoadRequest request) {
  if (worker_.joinable()) return fail(std::string("a config load is already running"));
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the thread starts with every signal blocked
  std::string error;
  try {
    worker_ = std::thread([this, r = std::move(request)] { run(r); });
  } catch (const std::system_error& e) {
    error = e.what();
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!error.empty()) return fail("cannot start the config loader thread: " + error);
  return Ok{};
}

void ThreadConfigLoader::run(const LoadRequest& request) noexcept {
  lower_priority();
  std::optional<LoadOutcome> outcome;
  try {
    outcome = load_config(request);
  } catch (const std::exception& e) {
    outcome = fail(internal_error(request.path, e.what()));
  } catch (...) {
    outcome = fail(internal_error(request.path, "unknown exception"));
  }
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    outcome_ = std::move(outcome);
  }
  const std::uint64_t one = 1;
  (void)!write(fd_, &one, sizeof one);
}

std::optional<LoadOutcome> ThreadConfigLoader::finished() {
  std::uint64_t count = 0;
  (void)!read(fd_, &count, sizeof count);  // quiet again
  std::optional<LoadOutcome> out;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    out = std::exchange(outcome_, std::nullopt);
  }
  if (out && worker_.joinable()) worker_.join();  // it has only to return
  return out;
}

}  // namespace floatd::daemon
