// PidFile: the lock decides who runs (issue 10, defect 9: two floatd started together both ran,
// since each read the file, found no live floatd and wrote its own pid).
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "daemon/pid_file.hpp"

using floatd::daemon::PidFile;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/floatd-pidfile-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a second acquire fails while the first holds the lock, and names the holder") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/run/floatd.pid";  // the directory is made
  {
    auto first = PidFile::acquire(path);
    REQUIRE(first.ok());
    CHECK(read_all(path) == std::to_string(getpid()) + "\n");
    auto second = PidFile::acquire(path);  // another open file description: flock refuses
    REQUIRE_FALSE(second.ok());
    CHECK(second.error() == "floatd is already running (pid " + std::to_string(getpid()) +
                                ", pid file " + path + ")");
  }
  CHECK_FALSE(std::filesystem::exists(path));  // removed on release
  auto again = PidFile::acquire(path);
  CHECK(again.ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a stale pid file from a crash does not block a start, whatever pid it names") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/floatd.pid";
  {
    std::ofstream out(path);
    out << "1\n";  // init is alive; the old check would only have been fooled by a floatd
  }
  auto held = PidFile::acquire(path);
  REQUIRE(held.ok());
  CHECK(read_all(path) == std::to_string(getpid()) + "\n");  // truncated, not appended
  std::filesystem::remove_all(dir);
}

TEST_CASE("a pid file path that is a symlink is refused") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/floatd.pid";
  std::filesystem::create_symlink(dir + "/elsewhere", path);
  auto held = PidFile::acquire(path);
  REQUIRE_FALSE(held.ok());
  CHECK(held.error().find("cannot open pid file " + path) == 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/elsewhere"));
  std::filesystem::remove_all(dir);
}

// Issue 15: a pid directory that cannot be made says why (a read-only /run, here a file in the
// way), not open()'s "No such file or directory" that follows.
TEST_CASE("a pid directory that cannot be made is named with its reason") {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/run") << "not a directory\n";
  const std::string path = dir + "/run/floatd/floatd.pid";
  auto held = PidFile::acquire(path);
  REQUIRE_FALSE(held.ok());
  CHECK(held.error().find("cannot create the directory of pid file " + path + ": ") == 0);
  CHECK(held.error().find("No such file") == std::string::npos);
  std::filesystem::remove_all(dir);
}

// Issue 15: a pid file that cannot be written (a full /run; here a file size limit of 0) is
// not left behind, empty, for a floatd that never ran.
TEST_CASE("a pid file that cannot be written is not left behind") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/floatd.pid";
  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  struct rlimit none = old;
  none.rlim_cur = 0;
  auto* old_handler = signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
  REQUIRE(setrlimit(RLIMIT_FSIZE, &none) == 0);
  auto held = PidFile::acquire(path);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  REQUIRE_FALSE(held.ok());
  CHECK(held.error().find("cannot write pid file " + path + ": ") == 0);
  CHECK_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}
