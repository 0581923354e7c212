// track_file reading and the inotify watch, on a real temporary directory.
#include <doctest/doctest.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "track/file_watch.hpp"

using floatd::track::FileWatch;
using floatd::track::read_track_file;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/floatd-fw-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Waits up to a second for the watch to report something.
std::vector<std::string> wait_changes(FileWatch& w) {
  pollfd p{w.fd(), POLLIN, 0};
  if (poll(&p, 1, 1000) <= 0) return {};
  return w.read();
}

}  // namespace

TEST_CASE("track file values: number, missing = 0, empty = 0, garbage is an error") {
  TempDir d;
  write(d.path / "a", "42\n");
  CHECK(*read_track_file(d.path / "a") == 42);
  write(d.path / "b", "-7 trailing words\n");
  CHECK(*read_track_file(d.path / "b") == -7);
  CHECK(*read_track_file(d.path / "missing") == 0);
  write(d.path / "e", "");
  CHECK(*read_track_file(d.path / "e") == 0);
  write(d.path / "g", "maintenance\n");
  CHECK_FALSE(read_track_file(d.path / "g").ok());
}

TEST_CASE("the watch reports writes, renames over the file, and removal") {
  TempDir d;
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  const std::string file = d.path / "maint";
  REQUIRE((*w)->watch(file).ok());
  write(d.path / "other", "1");  // another file in the directory: not reported
  CHECK((*w)->read().empty());
  write(file, "1\n");
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
  write(d.path / "tmp", "2\n");
  fs::rename(d.path / "tmp", file);
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
  CHECK(*read_track_file(file) == 2);
  fs::remove(file);
  CHECK(wait_changes(**w) == std::vector<std::string>{file});
  CHECK(*read_track_file(file) == 0);
}

TEST_CASE("watching a file in a missing directory is an error naming it") {
  auto w = FileWatch::open();
  REQUIRE(w.ok());
  auto r = (*w)->watch("/nonexistent-floatd-dir/maint");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("/nonexistent-floatd-dir") != std::string::npos);
}
