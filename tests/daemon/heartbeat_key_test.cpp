// read_heartbeat_key(): what a key file must be (issue 11, `heartbeat_key = FILE`), one case per
// refusal, on real files in a temporary directory. No message may quote the key.
#include "daemon/heartbeat_key.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using floatd::daemon::read_heartbeat_key;

namespace {

const std::string kGoodKey = "c2VjcmV0LWtleS1mb3ItZmxvYXRkLXRlc3RzLTEyMzQ=";  // 44 bytes

// A scratch directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/floatd-hbkey-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to NAME with `mode` and returns its path.
  std::string file(const std::string& name, const std::string& content, mode_t mode = 0600) {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    REQUIRE(chmod(p.c_str(), mode) == 0);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The refusal, checked to start with the file's name and not to contain the key.
std::string refusal(const std::string& path, const std::string& secret = kGoodKey) {
  auto key = read_heartbeat_key(path);
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().rfind(path + ": ", 0) == 0);
  if (!secret.empty()) CHECK(key.error().find(secret) == std::string::npos);
  return key.error();
}

}  // namespace

TEST_CASE("heartbeat_key: a good key is read as it is") {
  TempDir dir;
  auto key = read_heartbeat_key(dir.file("hb.key", kGoodKey));
  REQUIRE(key.ok());
  CHECK(*key == kGoodKey);
  auto read_only = read_heartbeat_key(dir.file("ro.key", kGoodKey, 0400));
  REQUIRE(read_only.ok());
  CHECK(*read_only == kGoodKey);
  const std::string binary("\x00\x01\xff\n\r 0123456789abcdef", 22);  // any bytes: no decoding
  auto raw = read_heartbeat_key(dir.file("raw.key", binary));
  REQUIRE(raw.ok());
  CHECK(*raw == binary);
}

TEST_CASE("heartbeat_key: one trailing newline is stripped") {
  TempDir dir;
  CHECK(*read_heartbeat_key(dir.file("lf.key", kGoodKey + "\n")) == kGoodKey);
  CHECK(*read_heartbeat_key(dir.file("crlf.key", kGoodKey + "\r\n")) == kGoodKey);
  CHECK(*read_heartbeat_key(dir.file("two.key", kGoodKey + "\n\n")) == kGoodKey + "\n");
  CHECK(*read_heartbeat_key(dir.file("cr.key", kGoodKey + "\r")) == kGoodKey + "\r");
}

TEST_CASE("heartbeat_key: group-readable is refused") {
  TempDir dir;
  const std::string p = dir.file("hb.key", kGoodKey, 0640);
  CHECK(refusal(p) == p + ": mode 0640 gives group or others access; chmod 600 " + p);
  const std::string x = dir.file("gx.key", kGoodKey, 0610);
  CHECK(refusal(x) == x + ": mode 0610 gives group or others access; chmod 600 " + x);
}

TEST_CASE("heartbeat_key: world-readable is refused") {
  TempDir dir;
  const std::string p = dir.file("hb.key", kGoodKey, 0604);
  CHECK(refusal(p) == p + ": mode 0604 gives group or others access; chmod 600 " + p);
  const std::string w = dir.file("ww.key", kGoodKey, 0602);
  CHECK(refusal(w) == w + ": mode 0602 gives group or others access; chmod 600 " + w);
}

TEST_CASE("heartbeat_key: a symbolic link is refused, not followed") {
  TempDir dir;
  const std::string target = dir.file("hb.key", kGoodKey);
  const std::string link = dir.path() + "/link.key";
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
  CHECK(refusal(link) == link + ": is a symbolic link; name the file itself");
}

TEST_CASE("heartbeat_key: a directory is refused") {
  TempDir dir;
  const std::string d = dir.path() + "/keys";
  REQUIRE(mkdir(d.c_str(), 0700) == 0);
  CHECK(refusal(d) == d + ": is a directory, not a regular file");
}

TEST_CASE("heartbeat_key: a FIFO is refused without waiting for a writer") {
  TempDir dir;
  const std::string f = dir.path() + "/fifo.key";
  REQUIRE(mkfifo(f.c_str(), 0600) == 0);
  CHECK(refusal(f) == f + ": is a FIFO, not a regular file");
}

TEST_CASE("heartbeat_key: too short") {
  TempDir dir;
  const std::string secret = "short-key";  // 9 bytes
  const std::string p = dir.file("hb.key", secret + "\n");
  CHECK(refusal(p, secret) == p +
                                  ": the key is 9 bytes; at least 16 are needed (e.g. head -c 32 "
                                  "/dev/urandom | base64 > " +
                                  p + ")");
  const std::string empty = dir.file("empty.key", "\n");
  CHECK(refusal(empty, "").find(": the key is 0 bytes;") != std::string::npos);
  // 15 bytes plus the stripped newline is still 15.
  const std::string fifteen = dir.file("15.key", std::string(15, 'k') + "\n");
  CHECK(refusal(fifteen, std::string(15, 'k')).find("the key is 15 bytes") != std::string::npos);
  CHECK(read_heartbeat_key(dir.file("16.key", std::string(16, 'k') + "\n")).ok());
}

TEST_CASE("heartbeat_key: too long") {
  TempDir dir;
  CHECK(read_heartbeat_key(dir.file("4096.key", std::string(4096, 'k') + "\r\n")).ok());
  const std::string p = dir.file("hb.key", std::string(4097, 'k'));
  CHECK(refusal(p, std::string(4097, 'k')) ==
        p + ": the key is more than 4096 bytes (the file has 4097); at most 4096 are allowed");
  const std::string big = dir.file("big.key", std::string(1 << 20, 'k'));
  CHECK(refusal(big, "").find("(the file has 1048576)") != std::string::npos);
}

TEST_CASE("heartbeat_key: a missing file") {
  TempDir dir;
  const std::string p = dir.path() + "/none.key";
  CHECK(refusal(p) == p + ": cannot open: No such file or directory");
}

TEST_CASE("heartbeat_key: owned by another user is refused") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root to chown the file to another user");
    return;
  }
  TempDir dir;
  const std::string p = dir.file("hb.key", kGoodKey);
  REQUIRE(chown(p.c_str(), 65534, 65534) == 0);
  CHECK(refusal(p) ==
        p + ": is owned by uid 65534; it must be owned by root (chown root " + p + ")");
}
