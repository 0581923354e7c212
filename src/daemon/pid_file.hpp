// The pid file, held with an exclusive flock(2) for as long as floatd runs: the lock, not the
// number in the file, decides whether another floatd is running, so two floatd started at the
// same moment cannot both pass the check (issue 10, defect 9) and a stale file from a crash
// (whose pid may now belong to anything) never blocks a start.
//
// acquire() comes first of all at start: a second floatd started by mistake must not touch the
// running one's VIPs (it would remove them as "stale").
#pragma once

#include <string>

#include "floatd/result.hpp"

namespace floatd::daemon {

class PidFile {
 public:
  // Creates `path` (and its directory), locks it and writes our pid. Error: another process
  // holds the lock ("floatd is already running (pid N, pid file PATH)"), or the file cannot be
  // created or written.
  static Result<PidFile> acquire(const std::string& path);

  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&& other) noexcept;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  // Removes the file, then releases the lock.
  ~PidFile();

  const std::string& path() const { return path_; }

 private:
  PidFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void release() noexcept;

  std::string path_;
  int fd_ = -1;
};

}  // namespace floatd::daemon
