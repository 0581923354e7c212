// UniqueFd: sole owner of a file descriptor, closed when the owner goes away (RAII).
//
// Move-only, like std::unique_ptr. Every area owns descriptors (src/net its sockets, src/track
// the pipes and programs of a script it starts, src/daemon what its ports hand out), so the
// owner lives here, a cross-area contract, and no error path anywhere can leak a descriptor.
#pragma once

#include <unistd.h>

#include <utility>

namespace floatd {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Closes the current descriptor (if any) and takes ownership of fd.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

}  // namespace floatd
