#include "track/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "floatd/unique_fd.hpp"
#include "track/script_security.hpp"

namespace floatd::track {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Moves `fd` to 3 or above, so the child's dup2() onto 0-2 cannot clobber it.
bool lift_above_stdio(UniqueFd& fd) {
  if (fd.get() > 2) return true;
  fd.reset(fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  return fd.valid();
}

bool unsafe_name(std::string_view name) {
  // Loader and libc knobs (glibc's UNSECURE_ENVVARS) and what makes a shell run other code.
  static constexpr std::string_view kPrefixes[] = {"LD_", "MALLOC_", "BASH_FUNC_"};
  static constexpr std::string_view kNames[] = {
      "PATH",        "IFS",         "ENV",         "BASH_ENV",         "SHELLOPTS",
      "BASHOPTS",    "PS4",         "CDPATH",      "GLOBIGNORE",       "GCONV_PATH",
      "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",          "NLSPATH",
      "RES_OPTIONS", "TMPDIR",      "TZDIR",       "RESOLV_HOST_CONF", "GLIBC_TUNABLES"};
  for (const auto p : kPrefixes) {
    if (name.substr(0, p.size()) == p) return true;
  }
  for (const auto n : kNames) {
    if (name == n) return true;
  }
  return false;
}

bool valid_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

struct ChildError {
  int stage = -1;  // a Stage, or -1: none
  int err = 0;
};

// Everything the child needs, prepared before clone(): after it, no allocation.
struct Plan {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
  Identity id;
  int exec_fd = -1;   // with script security: the checked program, executed by descriptor
  int stdin_fd = -1;
  int output_fd = -1;
  ChildError error;   // written by the child (it shares our memory) when it cannot exec
  pid_t parent = -1;
  int max_fd = 1024;  // for closing descriptors one by one when close_range() is missing
};

enum class Stage : int {
  kSetpgid, kStdio, kSetgroups, kSetgid, kSetuid, kDeathSignal, kOrphan, kExec
};

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kSetpgid: return "setpgid";
    case Stage::kStdio: return "redirecting stdin/stdout/stderr";
    case Stage::kSetgroups: return "setgroups";
    case Stage::kSetgid: return "setgid";
    case Stage::kSetuid: return "setuid";
    case Stage::kDeathSignal: return "prctl(PR_SET_PDEATHSIG)";
    case Stage::kOrphan: return "floatd exited before exec";
    case Stage::kExec: return "exec";
  }
  return "?";
}

// --- the child: raw system calls only, from clone() to execve() ---

// The child runs on its own small stack in the parent's memory: AddressSanitizer's bookkeeping
// (its no-return stack unpoisoning) cannot work there, so the child's code is not instrumented.
#define FLOATD_CHILD_CODE __attribute__((no_sanitize("address", "undefined")))
// It shares the daemon's memory (CLONE_VM) while the daemon waits (CLONE_VFORK): no malloc,
// no lock, and no libc wrapper that keeps state for threads (setuid() & co. are raw syscalls).

FLOATD_CHILD_CODE [[noreturn]] void child_fail(Plan& p, Stage stage) noexcept {
  p.error.err = errno;
  p.error.stage = static_cast<int>(stage);
  _exit(127);
}

FLOATD_CHILD_CODE void close_span(unsigned lo, unsigned hi, int max_fd) noexcept {
  if (lo > hi || lo == 0) return;
  if (close_range(lo, hi, 0) == 0) return;
  for (unsigned fd = lo; fd <= hi && fd < static_cast<unsigned>(max_fd); ++fd)
    close(static_cast<int>(fd));
}

FLOATD_CHILD_CODE [[noreturn]] void run_child(Plan& p) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // SIG_IGN survives exec
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the parent blocked everything around clone()

  if (setpgid(0, 0) < 0) child_fail(p, Stage::kSetpgid);
  if (dup2(p.stdin_fd, 0) < 0 || dup2(p.output_fd, 1) < 0 || dup2(p.output_fd, 2) < 0)
    child_fail(p, Stage::kStdio);
  if (p.exec_fd >= 0) {  // keep the program's descriptor (>= 3), close everything else
    const auto keep = static_cast<unsigned>(p.exec_fd);
    close_span(3, keep - 1, p.max_fd);
    close_span(keep + 1, ~0U, p.max_fd);
  } else {
    close_span(3, ~0U, p.max_fd);
  }

  if (p.id.change) {
    if (syscall(SYS_setgroups, p.id.groups.size(), p.id.groups.data()) < 0)
      child_fail(p, Stage::kSetgroups);
    if (syscall(SYS_setresgid, p.id.gid, p.id.gid, p.id.gid) < 0) child_fail(p, Stage::kSetgid);
    if (syscall(SYS_setresuid, p.id.uid, p.id.uid, p.id.uid) < 0) child_fail(p, Stage::kSetuid);
  }
  // After setuid(): a change of credentials clears the parent-death signal.
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) child_fail(p, Stage::kDeathSignal);
  if (getppid() != p.parent) child_fail(p, Stage::kOrphan);  // floatd died before prctl()
  // Linux's usual 50 us slack, not floatd's 1 ns (0 would mean "the default", which a child
  // inherits from its parent's current slack).
  (void)prctl(PR_SET_TIMERSLACK, 50000UL, 0UL, 0UL, 0UL);

  if (p.exec_fd >= 0) {
    // A #! script is read by its interpreter from /dev/fd/N: the descriptor must survive exec.
    if (fcntl(p.exec_fd, F_SETFD, 0) < 0) child_fail(p, Stage::kExec);
    syscall(SYS_execveat, p.exec_fd, "", p.argv.data(), p.envp.data(), AT_EMPTY_PATH);
  } else {
    execve(p.path.c_str(), p.argv.data(), p.envp.data());
  }
  child_fail(p, Stage::kExec);
}

FLOATD_CHILD_CODE int child_main(void* plan) noexcept { run_child(*static_cast<Plan*>(plan)); }

// --- the parent ---

Result<Ok> prepare(Plan& plan, UniqueFd& exec_fd, const Command& cmd, const RunAs& run_as,
                   const std::vector<std::string>& env) {
  if (cmd.argv.empty()) return fail("empty command");
  auto path = resolve_executable(cmd.argv[0]);
  if (!path) return fail(path.error());
  auto environment = script_environment(env);
  if (!environment) return fail(environment.error());
  if (run_as.script_security) {  // the check at load is old news: the files may have changed
    if (cmd.shell && run_as.identity.root()) {
      if (auto ok = check_script_security(cmd, true); !ok) return fail(ok.error());
    }
    auto fd = open_checked_program(*path);
    if (!fd) return fail(fd.error());
    exec_fd.reset(*fd);
    if (!lift_above_stdio(exec_fd)) return fail("preparing descriptors: " + errno_text(errno));
    plan.exec_fd = exec_fd.get();
  }
  plan.path = std::move(*path);
  plan.args = cmd.argv;
  plan.env = std::move(*environment);
  plan.id = run_as.identity;
  for (auto& a : plan.args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    plan.max_fd = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
  plan.parent = getpid();
  return Ok{};
}

// The child's stack while it runs on our memory; ours again once it has exec'd or exited.
class ChildStack {
 public:
  static constexpr std::size_t kSize = std::size_t{64} * 1024;
  ChildStack()
      : base_(mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0)) {}
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  ~ChildStack() {
    if (base_ != MAP_FAILED) munmap(base_, kSize);
  }
  bool ok() const { return base_ != MAP_FAILED; }
  void* top() const { return static_cast<char*>(base_) + kSize; }  // stacks grow down

 private:
  void* base_;
};

}  // namespace

bool Identity::root() const { return change ? uid == 0 : geteuid() == 0; }

Result<Identity> resolve_identity(const std::string& user) {
  Identity id;
  if (user.empty()) return id;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc;
  while ((rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found)) == ERANGE)
    buf.resize(buf.size() * 2);
  if (rc != 0) return fail("looking up user '" + user + "': " + errno_text(rc));
  if (found == nullptr) return fail("user '" + user + "' does not exist");
  if (geteuid() != 0) {
    if (pw.pw_uid == geteuid()) return id;  // already that user
    return fail("cannot run scripts as '" + user + "': floatd is not running as root");
  }
  id.name = user;
  id.change = true;
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  int n = 16;
  for (;;) {  // initgroups() is not async-signal-safe: fetch the list now, setgroups() later
    id.groups.resize(static_cast<std::size_t>(n));
    if (getgrouplist(user.c_str(), id.gid, id.groups.data(), &n) >= 0) break;
    if (n <= static_cast<int>(id.groups.size())) n = static_cast<int>(id.groups.size()) * 2;
  }
  id.groups.resize(static_cast<std::size_t>(n));
  return id;
}

Result<std::string> resolve_executable(std::string_view name) {
  const auto check = [](const std::string& path) -> Result<std::string> {
    struct stat st {};
    if (stat(path.c_str(), &st) < 0) return fail(path + ": " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
    if ((st.st_mode & 0111) == 0) return fail(path + ": not executable");
    return path;
  };
  if (name.empty()) return fail("empty command name");
  if (name.find('/') != std::string_view::npos) return check(std::string(name));
  for (std::size_t begin = 0; begin <= kScriptPath.size();) {
    auto end = kScriptPath.find(':', begin);
    if (end == std::string_view::npos) end = kScriptPath.size();
    const auto dir = kScriptPath.substr(begin, end - begin);
    auto found = check(std::string(dir) + "/" + std::string(name));
    if (found) return found;
    begin = end + 1;
  }
  return fail("'" + std::string(name) + "' not found in " + std::string(kScriptPath));
}

Result<std::vector<std::string>> script_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env{"PATH=" + std::string(kScriptPath)};
  for (const auto& entry : extra) {
    const auto eq = entry.find('=');
    const std::string_view name = std::string_view(entry).substr(0, eq);
    if (eq == std::string::npos || !valid_name(name) || entry.find('\0') != std::string::npos)
      return fail("malformed script environment entry '" + entry + "'");
    if (unsafe_name(name)) return fail("refusing to pass " + std::string(name) + " to a script");
    for (const auto& have : env) {
      if (have.compare(0, eq + 1, entry, 0, eq + 1) == 0)
        return fail("duplicate script environment variable " + std::string(name));
    }
    env.push_back(entry);
  }
  return env;
}

Result<Child> spawn(const Command& cmd, const RunAs& run_as, const std::vector<std::string>& env) {
  Plan plan;
  UniqueFd exec_fd;
  if (auto ok = prepare(plan, exec_fd, cmd, run_as, env); !ok) return fail(ok.error());

  UniqueFd devnull(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int out[2];
  if (devnull.get() < 0) return fail("/dev/null: " + errno_text(errno));
  if (pipe2(out, O_CLOEXEC) < 0) return fail("pipe: " + errno_text(errno));
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (!lift_above_stdio(devnull) || !lift_above_stdio(out_w) ||
      fcntl(out_r.get(), F_SETFL, O_NONBLOCK) < 0)
    return fail("preparing descriptors: " + errno_text(errno));
  plan.stdin_fd = devnull.get();
  plan.output_fd = out_w.get();

  ChildStack stack;
  if (!stack.ok()) return fail("mmap for the child's stack: " + errno_text(errno));

  // No signal handler of floatd may run in the child before it resets them all.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  // As posix_spawn() does: the child borrows our memory until it has exec'd, so nothing of a
  // large daemon is copied (fork() copied the page tables: milliseconds at 100 MB), and when
  // clone() returns the child has exec'd or failed (plan.error says which).
  int pidfd = -1;  // the child's exit is seen on it (spawn.hpp, Child)
  const pid_t pid = clone(child_main, stack.top(), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                          &plan, &pidfd);
  const int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  devnull.reset();
  exec_fd.reset();
  out_w.reset();
  if (pid < 0) return fail("clone: " + errno_text(clone_errno));
  UniqueFd exit_fd(pidfd);
  if (plan.error.stage >= 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return fail(std::string(stage_name(static_cast<Stage>(plan.error.stage))) + " for " +
                plan.path + ": " + errno_text(plan.error.err));
  }
  return Child{pid, out_r.release(), exit_fd.release()};
}

}  // namespace floatd::track
