// enable_script_security: a script a non-root user could change is refused, with the path that
// makes it so. Cases that need files owned by root (or chown to nobody) run only as root.
#include "track/script_security.hpp"

#include <doctest/doctest.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "track/command.hpp"

using floatd::track::check_script_security;
using floatd::track::parse_command;

namespace {

constexpr uid_t kNobody = 65534;

// A directory under /tmp (root-owned and sticky), removed at the end.
class TempTree {
 public:
  TempTree() {
    char templ[] = "/tmp/floatd-security-XXXXXX";
    REQUIRE(mkdtemp(templ) != nullptr);
    root_ = templ;
    REQUIRE(chmod(root_.c_str(), 0755) == 0);
  }
  ~TempTree() { std::system(("rm -rf '" + root_ + "'").c_str()); }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }

  std::string dir(const std::string& name, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    const auto path = root_ + "/" + name;
    REQUIRE(mkdir(path.c_str(), 0700) == 0);
    set(path, mode, uid, gid);
    return path;
  }
  std::string script(const std::string& name, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    const auto path = root_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    set(path, mode, uid, gid);
    return path;
  }
  std::string link(const std::string& name, const std::string& target) {
    const auto path = root_ + "/" + name;
    REQUIRE(symlink(target.c_str(), path.c_str()) == 0);
    return path;
  }

 private:
  static void set(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
    if (geteuid() == 0) REQUIRE(chown(path.c_str(), uid, gid) == 0);
    REQUIRE(chmod(path.c_str(), mode) == 0);
  }
  std::string root_;
};

std::string refusal(const std::string& line, bool as_root = false) {
  auto cmd = parse_command(line);
  REQUIRE(cmd.ok());
  auto r = check_script_security(*cmd, as_root);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

bool accepted(const std::string& line, bool as_root = false) {
  auto cmd = parse_command(line);
  REQUIRE(cmd.ok());
  auto r = check_script_security(*cmd, as_root);
  if (!r.ok()) MESSAGE(r.error());
  return r.ok();
}

bool need_root() {
  if (geteuid() == 0) return true;
  MESSAGE("skipped: needs root to create root-owned files and chown them to nobody");
  return false;
}

std::string group_label(gid_t gid) {
  const group* gr = getgrgid(gid);
  return std::to_string(gid) + (gr ? " (" + std::string(gr->gr_name) + ")" : "");
}

}  // namespace

TEST_CASE("script security: system programs pass") {
  CHECK(accepted("/bin/true"));
  CHECK(accepted("true"));  // looked up in the script PATH
  CHECK(accepted("pidof haproxy | grep -q ."));  // /bin/sh and pidof
}

TEST_CASE("script security: missing or not executable") {
  TempTree t;
  CHECK(refusal(t.root() + "/nope") == t.root() + "/nope: No such file or directory");
  const auto plain = t.script("plain", 0644);
  CHECK(refusal(plain) == plain + ": not executable");
  const auto dir = t.dir("d", 0755);
  CHECK(refusal(dir) == dir + ": not a regular file");
  CHECK(refusal("no-such-command-floatd") ==
        "'no-such-command-floatd' not found in /usr/sbin:/usr/bin:/sbin:/bin");
}

TEST_CASE("script security: a shell line run as root cannot be checked: refused (issue 10)") {
  // Only the first word was checked: `/usr/bin/true && /home/u/x` ran /home/u/x as root.
  const std::string line = "/usr/bin/true && /tmp/floatd-anyone-could-write-this";
  CHECK(refusal(line, true) ==
        "'" + line + "' needs /bin/sh, and what a shell runs cannot be checked: put it in a "
        "script file, or run it as another user");
  CHECK(accepted("/bin/true", true));              // a plain program: checked as before
  CHECK(accepted("pidof haproxy | grep -q ."));   // not as root: /bin/sh and the first word
}

TEST_CASE("script security: a shell command not run as root is checked by its first word") {
  CHECK(refusal("trap '' TERM; sleep 1") == "'trap' not found in /usr/sbin:/usr/bin:/sbin:/bin");
  CHECK(refusal("< /etc/hostname") ==
        "'< /etc/hostname': does not start with a program, cannot check its security");
  if (!need_root()) return;
  TempTree t;
  const auto bad = t.script("bad.sh", 0777);
  CHECK(refusal(bad + " | cat") == bad + ": " + bad + " is world-writable");
  CHECK(refusal("'" + bad + "' > /dev/null") == bad + ": " + bad + " is world-writable");
}

TEST_CASE("script security: root-owned, not writable by others: accepted") {
  if (!need_root()) return;
  TempTree t;
  CHECK(accepted(t.script("ok.sh", 0755)));
  CHECK(accepted(t.script("root-group.sh", 0775, 0, 0)));  // group root may write
  t.dir("sub", 0775);
  CHECK(accepted(t.script("sub/ok.sh", 0700)));
  t.dir("sticky", 01777);  // like /tmp: others can't replace root's files
  CHECK(accepted(t.script("sticky/ok.sh", 0755)));
}

TEST_CASE("script security: the script itself is writable by a non-root user") {
  if (!need_root()) return;
  TempTree t;
  const auto owned = t.script("owned.sh", 0755, kNobody, kNobody);
  CHECK(refusal(owned) == owned + ": " + owned + " is owned by uid 65534 (nobody)");
  const auto world = t.script("world.sh", 0757);
  CHECK(refusal(world) == world + ": " + world + " is world-writable");
  const auto group = t.script("group.sh", 0775, 0, kNobody);
  CHECK(refusal(group) == group + ": " + group + " is writable by group " + group_label(kNobody));
}

TEST_CASE("script security: a directory above it is writable by a non-root user") {
  if (!need_root()) return;
  TempTree t;
  const auto owned = t.dir("owned", 0755, kNobody, kNobody);
  const auto a = t.script("owned/a.sh", 0755);
  CHECK(refusal(a) == a + ": " + owned + " is owned by uid 65534 (nobody)");
  const auto world = t.dir("world", 0777);
  const auto b = t.script("world/b.sh", 0755);
  CHECK(refusal(b) == b + ": " + world + " is world-writable");
  const auto group = t.dir("group", 0775, 0, kNobody);
  t.dir("group/deep", 0755);
  const auto c = t.script("group/deep/c.sh", 0755);
  CHECK(refusal(c) == c + ": " + group + " is writable by group " + group_label(kNobody));
}

TEST_CASE("script security: symlinks are followed, and where they live counts too") {
  if (!need_root()) return;
  TempTree t;
  t.dir("safe", 0755);
  const auto world = t.dir("world", 0777);
  const auto target = t.script("world/target.sh", 0755);
  const auto to_bad_place = t.link("safe/link.sh", target);
  CHECK(refusal(to_bad_place) == to_bad_place + ": " + world + " is world-writable");

  const auto good = t.script("safe/good.sh", 0755);
  const auto in_bad_place = t.link("world/link.sh", good);  // anyone may re-point this link
  CHECK(refusal(in_bad_place) == in_bad_place + ": " + world + " is world-writable");

  const auto fine = t.link("safe/fine.sh", "good.sh");
  CHECK(accepted(fine));
  const auto via_dir = t.link("dirlink", world);  // a directory symlink on the way
  CHECK(refusal(via_dir + "/target.sh") == via_dir + "/target.sh: " + world + " is world-writable");
}
