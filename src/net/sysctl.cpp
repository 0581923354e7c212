#include "net/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>

namespace floatd::net {
namespace {

constexpr const char* kRoot = "/proc/sys/net/";

bool safe_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string io_error(const char* verb, const std::string& path, int error) {
  return std::string(verb) + " net/" + path + ": " + std::strerror(error);
}

// Interface names as they appear under ipv4/conf, without "all" and "default".
std::vector<std::string> ipv4_interfaces() {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(std::string(kRoot) + "ipv4/conf", ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name != "all" && name != "default") names.push_back(std::move(name));
  }
  return names;
}

std::optional<int> as_int(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Applies writes in order and remembers the ones that changed something.
class Changer {
 public:
  bool set(const std::string& path, const std::string& value) {
    auto old = write_sysctl(path, value);
    if (!old) return stop(old.error());
    if (*old != value) changes_.push_back({path, *old});
    return true;
  }
  bool stop(std::string error) {
    error_ = std::move(error);
    return false;
  }
  // Raises path to at least `floor` (for the integer sysctls rp_filter uses).
  bool raise(const std::string& path, int floor) {
    auto old = read_sysctl(path);
    if (!old) return stop(old.error());
    auto value = as_int(*old);
    return value && *value >= floor ? true : set(path, std::to_string(floor));
  }
  Result<std::vector<SysctlChange>, std::string> finish(bool ok) {
    if (ok) return std::move(changes_);
    (void)restore_sysctls(changes_);
    return fail(error_);
  }

 private:
  std::vector<SysctlChange> changes_;
  std::string error_;
};

// keepalived's clear_rp_filter(): make all/rp_filter 0 without weakening any interface.
bool clear_all_rp_filter(Changer& changer, const std::string& vmac) {
  auto all = read_sysctl("ipv4/conf/all/rp_filter");
  if (!all) return changer.stop(all.error());
  auto level = as_int(*all);
  if (!level || *level == 0) return true;
  if (!changer.raise("ipv4/conf/default/rp_filter", *level)) return false;
  for (const auto& name : ipv4_interfaces()) {
    if (name != vmac && !changer.raise("ipv4/conf/" + name + "/rp_filter", *level)) return false;
  }
  return changer.set("ipv4/conf/all/rp_filter", "0");
}

}  // namespace

Result<std::string, std::string> read_sysctl(const std::string& path) {
  if (!safe_path(path)) return fail("read net/" + path + ": not a path under /proc/sys/net");
  int fd = ::open((kRoot + path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(io_error("read", path, errno));
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  int error = errno;
  ::close(fd);
  if (n < 0) return fail(io_error("read", path, error));
  std::string value(buf, static_cast<std::size_t>(n));
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

Result<std::string, std::string> write_sysctl(const std::string& path, const std::string& value) {
  auto old = read_sysctl(path);
  if (!old) return old;
  int fd = ::open((kRoot + path).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(io_error("write", path, errno));
  ssize_t n = ::write(fd, value.data(), value.size());
  int error = errno;
  ::close(fd);
  if (n < 0) return fail(io_error("write", path, error));
  if (static_cast<std::size_t>(n) != value.size()) return fail(io_error("write", path, EIO));
  return old;
}

Result<std::vector<SysctlChange>, std::string> prepare_vmac_sysctls(const std::string& parent,
                                                                    const std::string& vmac) {
  Changer changer;
  std::string p = "ipv4/conf/" + parent + "/";
  std::string v = "ipv4/conf/" + vmac + "/";
  // The VMAC's rp_filter is written before default/rp_filter may be raised: the kernel copies a
  // new default value into every interface whose value was never written, so the other order
  // would record the copied value as the VMAC's old one.
  bool ok = changer.set(v + "rp_filter", "0") && changer.set(v + "arp_ignore", "1") &&
            changer.set(v + "accept_local", "1") && changer.set(p + "arp_ignore", "1") &&
            changer.set(p + "arp_filter", "1") && clear_all_rp_filter(changer, vmac);
  return changer.finish(ok);
}

Result<std::vector<SysctlChange>, std::string> make_vmac_ipv6_router(const std::string& vmac) {
  Changer changer;
  return changer.finish(changer.set("ipv6/conf/" + vmac + "/forwarding", "1"));
}

Result<Ok, std::string> restore_sysctls(const std::vector<SysctlChange>& changes) {
  std::string first_error;
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    auto restored = write_sysctl(it->path, it->old_value);
    std::error_code ec;
    if (restored || !std::filesystem::exists(std::string(kRoot) + it->path, ec)) continue;
    if (first_error.empty()) first_error = restored.error();
  }
  if (!first_error.empty()) return fail(first_error);
  return Ok{};
}

}  // namespace floatd::net
