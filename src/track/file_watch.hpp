// track_file: the number in a file, re-read when the file changes, without polling.
//
// inotify watches each file's directory, not the file, so that the usual ways of writing
// it all count: in place (close after write), by rename over it (editors, `mv tmp f`), by
// removal (the value becomes 0) and by creation.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::track {

// The value of a track file: its first token as a whole number. A missing file reads 0
// (keepalived: "missing file = 0"); anything else that is not a number is an error.
Result<long> read_track_file(const std::string& path);

class FileWatch {
 public:
  static Result<std::unique_ptr<FileWatch>> open();
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  int fd() const { return fd_; }
  // Watches `path` (absolute). Errors name the directory that cannot be watched.
  Result<Ok> watch(const std::string& path);
  // Drains the queued events; returns every watched path that may have changed.
  std::vector<std::string> read();

 private:
  explicit FileWatch(int fd) : fd_(fd) {}
  int fd_;
  std::map<int, std::string> dirs_;                         // watch descriptor -> directory
  std::multimap<std::string, std::string> files_;           // directory -> watched file paths
};

}  // namespace floatd::track
