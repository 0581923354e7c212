// What a file is, in words, for a refusal: "a FIFO", "a device". Files floatd reads (its
// config, a heartbeat key) must be regular files; the others block a reader (a FIFO) or never
// end (/dev/zero).
#pragma once

#include <sys/stat.h>

#include <string>

namespace floatd {

inline std::string file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "a special file";
}

}  // namespace floatd
