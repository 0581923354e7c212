// Reading and checking the heartbeat key file.
#include "daemon/heartbeat_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "floatd/file_kind.hpp"
#include "floatd/unique_fd.hpp"

namespace floatd::daemon {

namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Why the opened file may not hold a key, or "" when it may.
std::string refusal(const struct stat& st, const std::string& path) {
  if (!S_ISREG(st.st_mode)) return "is " + file_kind(st.st_mode) + ", not a regular file";
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return "is owned by uid " + std::to_string(st.st_uid) + "; it must be owned by root" +
           (geteuid() == 0 ? "" : " or uid " + std::to_string(geteuid())) + " (chown root " + path +
           ")";
  }
  if ((st.st_mode & 077) != 0) {
    return "mode " + octal_mode(st.st_mode) + " gives group or others access; chmod 600 " + path;
  }
  return "";
}

// Overwrites what was read before the buffer is dropped on a refusal.
void wipe(std::string& s) {
  explicit_bzero(s.data(), s.size());
  s.clear();
}

// Reads at most `limit` bytes; more in the file shows as a result longer than the key may be.
Result<std::string> read_up_to(int fd, std::size_t limit) {
  std::string out(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = read(fd, out.data() + got, limit - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      wipe(out);
      return fail(std::string("cannot read: ") + std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

void strip_one_newline(std::string& key) {
  if (key.ends_with("\r\n")) {
    key.resize(key.size() - 2);
  } else if (key.ends_with('\n')) {
    key.pop_back();
  }
}

}  // namespace

Result<std::string> read_heartbeat_key(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) return fail(path + ": is a symbolic link; name the file itself");
    return fail(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) < 0) return fail(path + ": cannot stat: " + std::strerror(errno));
  if (auto why = refusal(st, path); !why.empty()) return fail(path + ": " + why);

  constexpr std::size_t kLimit = kMaxHeartbeatKeyBytes + 3;  // the longest key, "\r\n", one more
  auto key = read_up_to(fd.get(), kLimit);
  if (!key) return fail(path + ": " + key.error());
  strip_one_newline(*key);
  const std::size_t size = key->size();
  if (size < kMinHeartbeatKeyBytes || size > kMaxHeartbeatKeyBytes) {
    wipe(*key);
    if (size > kMaxHeartbeatKeyBytes) {
      return fail(path + ": the key is more than " + std::to_string(kMaxHeartbeatKeyBytes) +
                  " bytes (the file has " + std::to_string(st.st_size) + "); at most " +
                  std::to_string(kMaxHeartbeatKeyBytes) + " are allowed");
    }
    return fail(path + ": the key is " + std::to_string(size) + " byte" + (size == 1 ? "" : "s") +
                "; at least " + std::to_string(kMinHeartbeatKeyBytes) +
                " are needed (e.g. head -c 32 /dev/urandom | base64 > " + path + ")");
  }
  return std::move(*key);
}

}  // namespace floatd::daemon
