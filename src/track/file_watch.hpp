// track_file: the number in a file, re-read when the file changes, without polling.
//
// inotify watches each file's directory, not the file, so that the usual ways of writing
// it all count: in place (close after write), by rename over it (editors, `mv tmp f`), by
// removal (the value becomes 0) and by creation.
//
// The directory itself may come and go (systemd removes RuntimeDirectory= on stop and makes it
// again on start) or not exist yet when floatd starts. While a file's directory is missing, the
// nearest existing ancestor is watched for the next path component; when the directory appears
// its watch is added back and its files count as changed. An inotify queue overflow loses
// events, so after one every watched file counts as changed and every watch is checked again.
// retry(), from a slow timer, does the same check: events speed things up, they are never the
// only path to a correct value.
//
// The file is untrusted input: it is opened without following a symbolic link in its last
// component and without blocking (a FIFO in its place must not hang the daemon), only a
// regular file is read, only its first bytes, and its content never appears in an error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::track {

// At most this many bytes of a track file are read; the number must start within them.
inline constexpr std::size_t kTrackFileReadLimit = 4096;

// The value of a track file: its first token as a whole number. keepalived's rules: a missing
// file reads 0, an empty (or all-blank) file reads 0. A symbolic link, anything but a regular
// file, or a first token that is not a whole number in range is an error; the error names
// the path and the reason, never the content.
Result<long> read_track_file(const std::string& path);

// One record read from an inotify descriptor (struct inotify_event, with its name).
struct InotifyRecord {
  int wd = 0;             // -1 with IN_Q_OVERFLOW
  std::uint32_t mask = 0;
  std::string name;       // empty for an event on the watched directory itself
};

// Pure: splits bytes read from an inotify descriptor into records. A truncated record at the
// end (the kernel never writes one) is dropped.
std::vector<InotifyRecord> parse_inotify(std::string_view bytes);

class FileWatch {
 public:
  static Result<std::unique_ptr<FileWatch>> open();
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  int fd() const { return fd_; }

  // Watches `path` (absolute). A directory that does not exist yet is not an error: it is
  // waited for. The error names a directory that cannot be watched for another reason (no
  // permission, the inotify watch limit); the file stays registered and retry() tries again.
  Result<Ok> watch(const std::string& path);
  // Stops watching `path`; a directory watch that no other file needs is removed.
  void unwatch(const std::string& path);
  // True when the directory of `path` is watched itself (not only waited for).
  bool watching(const std::string& path) const;

  // Drains the queued events; returns every watched path that may have changed.
  std::vector<std::string> read();
  // Handles bytes as read from fd() (read() calls it; tests give it canned bytes).
  std::vector<std::string> on_events(std::string_view bytes);
  // For a slow timer: re-adds every missing watch, replaces a watch whose directory is no longer
  // the one at its path, and returns the files whose directory watch came back or changed.
  std::vector<std::string> retry();

 private:
  struct Watched {
    int wd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
  };

  explicit FileWatch(int fd) : fd_(fd) {}
  std::set<std::string> wanted_dirs() const;
  void files_in(const std::string& dir, std::set<std::string>& out) const;
  void forget(const std::string& path, bool remove_watch);
  int add(const std::string& path);  // 0 or errno
  Result<Ok> sync(std::set<std::string>& changed);
  void revalidate(std::set<std::string>& changed);

  int fd_;
  std::set<std::string> files_;             // watched file paths
  std::map<std::string, Watched> watched_;  // watched directories (files' or their ancestors)
};

}  // namespace floatd::track
