#include "daemon/control_socket.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace floatd::daemon {
namespace {

class UnixControlListener final : public ControlListener {
 public:
  UnixControlListener(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~UnixControlListener() override {
    close(fd_);
    unlink(path_.c_str());
  }
  UnixControlListener(const UnixControlListener&) = delete;
  UnixControlListener& operator=(const UnixControlListener&) = delete;

  int fd() const override { return fd_; }
  int accept() override { return accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC); }

 private:
  int fd_;
  std::string path_;
};

// Hands the socket file to `group`, mode 0660; the error, or empty.
std::string share_with_group(const std::string& path, const std::string& group) {
  std::vector<char> buf(16384);
  struct group g {};
  struct group* found = nullptr;
  if (getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return "no such group";
  }
  if (chown(path.c_str(), 0, found->gr_gid) < 0 || chmod(path.c_str(), 0660) < 0) {
    return std::strerror(errno);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ControlListener>> UnixControlTransport::listen(const std::string& path,
                                                                      const std::string& group) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return fail("control socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("control socket: " + std::string(std::strerror(errno)));
  unlink(path.c_str());  // a stale socket from a crashed floatd
  const mode_t old_mask = umask(0177);  // root-only: 0600
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old_mask);
  if (rc < 0 || ::listen(fd, 16) < 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return fail("control socket " + path + ": " + err);
  }
  // From here the listener owns the descriptor and the file: a failure below removes both.
  auto listener = std::make_unique<UnixControlListener>(fd, path);
  if (!group.empty()) {
    if (auto err = share_with_group(path, group); !err.empty()) {
      return fail("control socket " + path + " for group " + group + ": " + err);
    }
  }
  return std::unique_ptr<ControlListener>(std::move(listener));
}

}  // namespace floatd::daemon
