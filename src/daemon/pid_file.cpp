#include "daemon/pid_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace floatd::daemon {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// The pid written by the holder, for the error message ("?" when unreadable).
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "?";
  std::string text(buf, static_cast<std::size_t>(n));
  const auto end = text.find_first_not_of("0123456789");
  text = text.substr(0, end);
  return text.empty() ? "?" : text;
}

}  // namespace

Result<PidFile> PidFile::acquire(const std::string& path) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  // Its own reason (a read-only /run, say), not open()'s "No such file or directory" after it.
  if (!dir.empty() && !std::filesystem::create_directories(dir, ec) && ec) {
    return fail("cannot create the directory of pid file " + path + ": " + ec.message());
  }
  // The file we lock must still be the one at `path`: a floatd that was stopping may have
  // unlinked it between our open() and our flock(). Then we try again on the new file.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return fail("cannot open pid file " + path + ": " + errno_text(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
      const int err = errno;
      const std::string pid = err == EWOULDBLOCK ? holder_pid(fd) : "";
      close(fd);
      if (err == EWOULDBLOCK) {
        return fail("floatd is already running (pid " + pid + ", pid file " + path + ")");
      }
      return fail("cannot lock pid file " + path + ": " + errno_text(err));
    }
    struct stat held {};
    struct stat named {};
    if (fstat(fd, &held) == 0 && stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      const std::string text = std::to_string(getpid()) + "\n";
      if (ftruncate(fd, 0) < 0 || pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        const std::string err = errno_text(errno);
        unlink(path.c_str());  // no empty pid file left for a floatd that never ran (held: ours)
        close(fd);
        return fail("cannot write pid file " + path + ": " + err);
      }
      return PidFile(path, fd);
    }
    close(fd);  // unlinked or replaced under us: lock the file that is there now
  }
  return fail("pid file " + path + " keeps being replaced; is another floatd starting?");
}

PidFile::PidFile(PidFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

PidFile& PidFile::operator=(PidFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

PidFile::~PidFile() { release(); }

void PidFile::release() noexcept {
  if (fd_ < 0) return;
  unlink(path_.c_str());  // while still holding the lock: nobody can lock a file we then remove
  close(fd_);
  fd_ = -1;
}

}  // namespace floatd::daemon
