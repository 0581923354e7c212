// Loading the configuration from disk: the main file, then conf.d/*.conf beside it.
//
// The disk and the host name sit behind FileSystem (leveldb's Env, ninja's DiskInterface),
// so that tests load whole directory trees from memory. parse_texts() is the pure core that
// load() and parse_string() share.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "floatd/result.hpp"

namespace floatd::config {

// What floatd reads of a configuration (issue 15). A config of 4,000 instances is about 1.5 MB;
// a file of gigabytes is a mistake or an attack, and would be read whole into memory.
inline constexpr std::size_t kMaxConfigFileBytes = 16 * 1024 * 1024;  // one file
inline constexpr std::size_t kMaxConfigBytes = 64 * 1024 * 1024;      // all its files together

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The whole file, or the reason it cannot be read ("No such file or directory").
  virtual Result<std::string> read(const std::string& path) const = 0;
  // The names of the entries in `dir` (not paths); an empty list when `dir` does not exist.
  virtual Result<std::vector<std::string>> list(const std::string& dir) const = 0;
  virtual std::string hostname() const = 0;  // the default router_id
};

// Reads only regular files (a FIFO would block the reading thread for good, /dev/zero never
// end), of at most kMaxConfigFileBytes, and only a consistent copy: a file whose size or
// modification time changed while it was read (an editor or a deploy writing it in place) is
// read again, and refused after three tries. Symbolic links are followed; a loop of them is
// the kernel's ELOOP error.
class RealFileSystem final : public FileSystem {
 public:
  Result<std::string> read(const std::string& path) const override;
  Result<std::vector<std::string>> list(const std::string& dir) const override;
  std::string hostname() const override;
};

// Stops reading at the file that takes the total over kMaxConfigBytes, with an error there.
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
