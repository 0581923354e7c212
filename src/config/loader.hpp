// Loading the configuration from disk: the main file, then conf.d/*.conf beside it.
//
// The disk and the host name sit behind FileSystem (leveldb's Env, ninja's DiskInterface),
// so that tests load whole directory trees from memory. parse_texts() is the pure core that
// load() and parse_string() share.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "floatd/result.hpp"

namespace floatd::config {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The whole file, or the reason it cannot be read ("No such file or directory").
  virtual Result<std::string> read(const std::string& path) const = 0;
  // The names of the entries in `dir` (not paths); an empty list when `dir` does not exist.
  virtual Result<std::vector<std::string>> list(const std::string& dir) const = 0;
  virtual std::string hostname() const = 0;  // the default router_id
};

class RealFileSystem final : public FileSystem {
 public:
  Result<std::string> read(const std::string& path) const override;
  Result<std::vector<std::string>> list(const std::string& dir) const override;
  std::string hostname() const override;
};

LoadResult load(const std::string& path, const FileSystem& fs);

// The conf.d directory that belongs to the main file `path`.
std::string conf_d_dir(const std::string& path);

struct SourceText {
  std::string filename;
  std::string text;
};

// Parses the texts as one configuration (in order), then validates it.
LoadResult parse_texts(const std::vector<SourceText>& files, const std::string& hostname);

}  // namespace floatd::config
