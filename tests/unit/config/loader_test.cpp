// Loading: the main file, then conf.d/*.conf in name order, from an in-memory file system.
#include "config/loader.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "config_test_util.hpp"

using namespace floatd;
using namespace floatd::config;
using namespace floatd::config::test;

namespace {

class FakeFileSystem final : public FileSystem {
 public:
  std::map<std::string, std::string> files;       // path -> text
  std::map<std::string, std::string> unreadable;  // path -> reason
  std::map<std::string, std::vector<std::string>> dirs;

  Result<std::string> read(const std::string& path) const override {
    if (auto it = unreadable.find(path); it != unreadable.end()) return fail(it->second);
    if (auto it = files.find(path); it != files.end()) return it->second;
    return fail(std::string("No such file or directory"));
  }
  Result<std::vector<std::string>> list(const std::string& dir) const override {
    if (auto it = dirs.find(dir); it != dirs.end()) return it->second;
    return std::vector<std::string>{};
  }
  std::string hostname() const override { return "testhost"; }
};

std::vector<std::string> load_errors(const FakeFileSystem& fs, const std::string& path) {
  auto result = load(path, fs);
  std::vector<std::string> out;
  if (!result) {
    for (const auto& e : result.error()) out.push_back(e.to_string());
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE("conf.d lives next to the main file") {
  CHECK(conf_d_dir("/etc/floatd/floatd.conf") == "/etc/floatd/conf.d");
  CHECK(conf_d_dir("floatd.conf") == "conf.d");
  CHECK(conf_d_dir("x/f.conf") == "x/conf.d");
}

TEST_CASE("a missing main file is an error at line 0") {
  FakeFileSystem fs;
  CHECK(load_errors(fs, "/etc/floatd/floatd.conf") ==
        std::vector<std::string>{
            "/etc/floatd/floatd.conf:0: cannot read: No such file or directory"});
}

TEST_CASE("the main file alone, with the host name as default router_id") {
  FakeFileSystem fs;
  fs.files["/e/floatd.conf"] = std::string(kInstance);
  auto result = load("/e/floatd.conf", fs);
  REQUIRE(result.ok());
  CHECK(result->global.router_id == "testhost");
  CHECK(result->instances.size() == 1);
}

TEST_CASE("conf.d/*.conf are read in name order after the main file; others are ignored") {
  FakeFileSystem fs;
  fs.files["/e/floatd.conf"] = "[global]\nrouter_id = lb-a\n";
  fs.dirs["/e/conf.d"] = {"20-db.conf", "10-web.conf", "README", "x.conf.dpkg-old", ".h.conf"};
  fs.files["/e/conf.d/10-web.conf"] = std::string(kInstance);
  fs.files["/e/conf.d/20-db.conf"] =
      "[instance db]\ninterface = eth0\nvirtual_router_id = 52\nvirtual_ipaddress = 10.0.0.2\n";
  fs.unreadable["/e/conf.d/x.conf.dpkg-old"] = "should not be read";
  fs.unreadable["/e/conf.d/.h.conf"] = "should not be read";
  auto result = load("/e/floatd.conf", fs);
  REQUIRE(result.ok());
  REQUIRE(result->instances.size() == 2);
  CHECK(result->instances[0].name == "web");
  CHECK(result->instances[0].origin.section.file == "/e/conf.d/10-web.conf");
  CHECK(result->instances[1].name == "db");
}

TEST_CASE("errors across files: duplicates name the other file, all errors in load order") {
  FakeFileSystem fs;
  fs.files["/e/floatd.conf"] = std::string(kInstance) + "priority = 0\n";
  fs.dirs["/e/conf.d"] = {"b.conf", "a.conf"};
  fs.files["/e/conf.d/a.conf"] = "\n" + std::string(kInstance);
  fs.files["/e/conf.d/b.conf"] = "[global]\nvrrp_version = 4\n";
  CHECK(load_errors(fs, "/e/floatd.conf") ==
        std::vector<std::string>{
            "/e/floatd.conf:5: priority: 0 is below 1 (1..255, default 100; 255 = address owner)",
            "/e/conf.d/a.conf:2: [instance web]: already defined at /e/floatd.conf:1; each name "
            "is defined once",
            "/e/conf.d/b.conf:2: vrrp_version: \"4\" is not a VRRP version (2 or 3)"});
}

TEST_CASE("[global] across files: a key set in two files names the first") {
  FakeFileSystem fs;
  fs.files["/e/floatd.conf"] = "[global]\nrouter_id = a\n";
  fs.dirs["/e/conf.d"] = {"x.conf"};
  fs.files["/e/conf.d/x.conf"] = "[global]\nrouter_id = b\n";
  CHECK(load_errors(fs, "/e/floatd.conf") ==
        std::vector<std::string>{"/e/conf.d/x.conf:2: router_id: set twice; first set at "
                                 "/e/floatd.conf:2 (only lists such as virtual_ipaddress repeat)"});
}

TEST_CASE("an unreadable conf.d file is reported with the other errors") {
  FakeFileSystem fs;
  fs.files["/e/floatd.conf"] = "[global]\nbogus = 1\n";
  fs.dirs["/e/conf.d"] = {"a.conf"};
  fs.unreadable["/e/conf.d/a.conf"] = "Permission denied";
  CHECK(load_errors(fs, "/e/floatd.conf").size() == 2);
  CHECK(load_errors(fs, "/e/floatd.conf")[1] ==
        "/e/conf.d/a.conf:0: cannot read: Permission denied");
}

TEST_CASE("the real file system reads files and reports missing ones") {
  const RealFileSystem fs;
  CHECK_FALSE(fs.read("/nonexistent/floatd.conf").ok());
  CHECK(fs.read("/nonexistent/floatd.conf").error() == "No such file or directory");
  CHECK(fs.list("/nonexistent/conf.d").ok());
  CHECK(fs.list("/nonexistent/conf.d")->empty());
  CHECK_FALSE(fs.hostname().empty());
  const auto missing = load("/nonexistent/floatd.conf");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().at(0).loc.line == 0);
}

TEST_CASE("the files' total is bounded: the file that takes it over 64 MiB is an error, no more read") {
  FakeFileSystem fs;
  fs.files["/e/floatd.conf"] = "[global]\n";
  std::string big;  // comment lines: each file alone is fine
  const std::string line = std::string(63, '#') + "\n";
  while (big.size() < 15 * 1024 * 1024) big += line;
  fs.dirs["/e/conf.d"] = {"1.conf", "2.conf", "3.conf", "4.conf", "5.conf", "6.conf"};
  for (const auto& name : fs.dirs["/e/conf.d"]) fs.files["/e/conf.d/" + name] = big;
  CHECK(load_errors(fs, "/e/floatd.conf") ==
        std::vector<std::string>{"/e/conf.d/5.conf:0: the configuration's files come to more "
                                 "than 64 MiB here; floatd reads no further"});
}

// Issue 15: files that are not what a config file should be. Each is refused with a reason, at
// once (a FIFO must not block the reading thread), and the real file system reads the rest.
TEST_CASE("the real file system refuses what is not a regular file, too large, or inconsistent") {
  char tmpl[] = "/tmp/floatd-loader-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  const RealFileSystem fs;

  const std::string good = dir + "/good.conf";
  std::ofstream(good) << "[global]\n";
  REQUIRE(symlink(good.c_str(), (dir + "/link.conf").c_str()) == 0);
  CHECK(fs.read(dir + "/link.conf").value() == "[global]\n");  // a link to a file is read

  const std::string fifo = dir + "/fifo.conf";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(fs.read(fifo).error() == "is a FIFO, not a regular file");

  REQUIRE(mkdir((dir + "/sub.conf").c_str(), 0700) == 0);
  CHECK(fs.read(dir + "/sub.conf").error() == "is a directory, not a regular file");

  REQUIRE(symlink("/dev/zero", (dir + "/zero.conf").c_str()) == 0);
  CHECK(fs.read(dir + "/zero.conf").error() == "is a device, not a regular file");

  REQUIRE(symlink((dir + "/loop-b.conf").c_str(), (dir + "/loop-a.conf").c_str()) == 0);
  REQUIRE(symlink((dir + "/loop-a.conf").c_str(), (dir + "/loop-b.conf").c_str()) == 0);
  CHECK(fs.read(dir + "/loop-a.conf").error() == "Too many levels of symbolic links");

  const std::string huge = dir + "/huge.conf";  // sparse: nothing is written, nothing read
  {
    const int fd = open(huge.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 100 * 1024 * 1024) == 0);
    close(fd);
  }
  CHECK(fs.read(huge).error() == "a file of 104857600 bytes; floatd reads none over 16 MiB");

  // A file whose size says one thing and whose reading gives another is read again, then
  // refused: /proc's files say 0 bytes and have text (as a file rewritten in place would).
  CHECK(fs.read("/proc/self/status").error() ==
        "it changed while being read, 3 times (its size or modification time moved); floatd "
        "reads none but a consistent copy");

  // In conf.d: each refusal is an error of its own, the good files are read.
  const std::string conf = dir + "/floatd.conf";
  REQUIRE(mkdir((dir + "/conf.d").c_str(), 0700) == 0);
  std::ofstream(conf) << "[global]\nrouter_id = r1\n";
  REQUIRE(mkfifo((dir + "/conf.d/a.conf").c_str(), 0600) == 0);
  REQUIRE(symlink("/dev/zero", (dir + "/conf.d/b.conf").c_str()) == 0);
  const auto loaded = load(conf);
  REQUIRE_FALSE(loaded.ok());
  std::vector<std::string> errors;
  for (const auto& e : loaded.error()) errors.push_back(e.to_string());
  CHECK(errors == std::vector<std::string>{
                      dir + "/conf.d/a.conf:0: cannot read: is a FIFO, not a regular file",
                      dir + "/conf.d/b.conf:0: cannot read: is a device, not a regular file"});

  std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
