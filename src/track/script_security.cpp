#include "track/script_security.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>

#include "track/spawn.hpp"

namespace floatd::track {

namespace {

std::string user_name(uid_t uid) {
  const passwd* pw = getpwuid(uid);
  return std::to_string(uid) + (pw ? " (" + std::string(pw->pw_name) + ")" : "");
}

std::string group_name(gid_t gid) {
  const group* gr = getgrgid(gid);
  return std::to_string(gid) + (gr ? " (" + std::string(gr->gr_name) + ")" : "");
}

// Why a non-root user could change `path`, or "" if none could.
std::string weakness(const struct stat& st) {
  if (st.st_uid != 0) return "is owned by uid " + user_name(st.st_uid);
  if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)) return {};  // sticky: others can't replace
  if (st.st_mode & S_IWOTH) return "is world-writable";
  if ((st.st_mode & S_IWGRP) && st.st_gid != 0)
    return "is writable by group " + group_name(st.st_gid);
  return {};
}

Result<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return fail(path + ": " + std::strerror(errno));
  return std::string(buf);
}

// "/a/b/c" -> "/", "/a", "/a/b", "/a/b/c".
std::vector<std::string> prefixes(const std::string& absolute) {
  std::vector<std::string> out{"/"};
  for (std::size_t pos = 1; pos <= absolute.size(); ++pos) {
    if (pos == absolute.size() || absolute[pos] == '/') {
      if (absolute[pos - 1] != '/') out.push_back(absolute.substr(0, pos));
    }
  }
  return out;
}

class PathChecker {
 public:
  explicit PathChecker(std::string program) : program_(std::move(program)) {}

  // Checks every directory on the way to `path` as written, and, for each of those that is
  // (or passes through) a symlink, every directory on the way to where it really is.
  Result<Ok> check(const std::string& path) {
    std::string absolute = path;
    if (path.empty() || path[0] != '/') {
      char cwd[PATH_MAX];
      if (getcwd(cwd, sizeof cwd) == nullptr)
        return fail(program_ + ": getcwd: " + std::strerror(errno));
      absolute = std::string(cwd) + "/" + path;
    }
    for (const auto& prefix : prefixes(absolute)) {
      auto real = real_path(prefix);
      if (!real) return fail(program_ + ": " + real.error());
      for (const auto& component : prefixes(*real)) {
        if (auto ok = check_component(component); !ok) return ok;
      }
    }
    return Ok{};
  }

 private:
  Result<Ok> check_component(const std::string& component) {
    if (!checked_.insert(component).second) return Ok{};
    struct stat st {};
    if (lstat(component.c_str(), &st) < 0)
      return fail(program_ + ": " + component + ": " + std::strerror(errno));
    if (const auto why = weakness(st); !why.empty())
      return fail(program_ + ": " + component + " " + why);
    return Ok{};
  }

  std::string program_;
  std::set<std::string> checked_;
};

Result<Ok> check_program(const std::string& name) {
  auto path = resolve_executable(name);  // exists, a regular file, executable
  if (!path) return fail(path.error());
  return PathChecker(*path).check(*path);
}

}  // namespace

Result<Ok> check_script_security(const Command& cmd, bool as_root) {
  if (cmd.argv.empty()) return fail("empty command");
  if (cmd.shell && as_root) {
    return fail("'" + (cmd.argv.size() > 2 ? cmd.argv[2] : cmd.argv[0]) +
                "' needs /bin/sh, and what a shell runs cannot be checked: put it in a script "
                "file, or run it as another user");
  }
  if (auto ok = check_program(cmd.argv[0]); !ok) return ok;
  if (!cmd.shell || cmd.argv.size() < 3) return Ok{};
  const std::string first = first_word(cmd.argv[2]);
  if (first.empty())
    return fail("'" + cmd.argv[2] + "': does not start with a program, cannot check its security");
  return check_program(first);
}

Result<int> open_checked_program(const std::string& path) {
  const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + std::strerror(errno));
  const auto refuse = [fd](std::string why) -> Result<int> {
    close(fd);
    return fail(std::move(why));
  };
  struct stat opened {};
  if (fstat(fd, &opened) < 0) return refuse(path + ": " + std::strerror(errno));
  if (!S_ISREG(opened.st_mode)) return refuse(path + ": not a regular file");
  if ((opened.st_mode & 0111) == 0) return refuse(path + ": not executable");
  if (const auto why = weakness(opened); !why.empty()) return refuse(path + ": " + path + " " + why);
  if (auto ok = PathChecker(path).check(path); !ok) return refuse(ok.error());
  // The directories were safe when checked; the path must still lead to what we opened.
  struct stat now {};
  if (stat(path.c_str(), &now) < 0) return refuse(path + ": " + std::strerror(errno));
  if (now.st_dev != opened.st_dev || now.st_ino != opened.st_ino)
    return refuse(path + ": replaced while it was being checked");
  return fd;
}

}  // namespace floatd::track
