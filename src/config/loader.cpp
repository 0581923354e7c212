#include "config/loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>
#include <system_error>

#include "floatd/file_kind.hpp"
#include "floatd/unique_fd.hpp"

namespace floatd::config {
namespace {

constexpr std::string_view kConfSuffix = ".conf";

constexpr int kReadTries = 3;

bool is_conf_name(const std::string& name) {
  return name.size() > kConfSuffix.size() && name.front() != '.' &&
         name.compare(name.size() - kConfSuffix.size(), kConfSuffix.size(), kConfSuffix) == 0;
}

std::string errno_text() { return std::strerror(errno); }

bool same_version(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ino == b.st_ino;
}

// One read of the file: its text, an error, or nullopt when it changed while being read.
Result<std::optional<std::string>> read_once(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return fail(errno_text());
  struct stat before {};
  if (::fstat(fd.get(), &before) != 0) return fail(errno_text());
  if (!S_ISREG(before.st_mode)) {
    return fail("is " + file_kind(before.st_mode) + ", not a regular file");
  }
  const auto size = static_cast<std::size_t>(before.st_size);
  if (size > kMaxConfigFileBytes) {
    return fail("a file of " + std::to_string(size) + " bytes; floatd reads none over " +
                std::to_string(kMaxConfigFileBytes / (1024 * 1024)) + " MiB");
  }
  // One byte more than the size says: a file that grew meanwhile shows it.
  std::string text(size + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno_text());
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  struct stat after {};
  if (::fstat(fd.get(), &after) != 0) return fail(errno_text());
  if (got != size || !same_version(before, after)) return std::optional<std::string>{};
  text.resize(got);
  return std::optional<std::string>{std::move(text)};
}

}  // namespace

Result<std::string> RealFileSystem::read(const std::string& path) const {
  for (int attempt = 0; attempt < kReadTries; ++attempt) {
    auto text = read_once(path);
    if (!text) return fail(text.error());
    if (*text) return std::move(**text);
  }
  return fail("it changed while being read, " + std::to_string(kReadTries) +
              " times (its size or modification time moved); floatd reads none but a "
              "consistent copy");
}

Result<std::vector<std::string>> RealFileSystem::list(const std::string& dir) const {
  std::error_code ec;
  std::vector<std::string> names;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return names;
  if (ec) return fail(ec.message());
  for (const auto& entry : it) names.push_back(entry.path().filename().string());
  return names;
}

std::string RealFileSystem::hostname() const {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string conf_d_dir(const std::string& path) {
  return (std::filesystem::path(path).parent_path() / "conf.d").string();
}

LoadResult load(const std::string& path, const FileSystem& fs) {
  auto main_text = fs.read(path);
  if (!main_text) {
    return fail(std::vector<ConfigError>{{{path, 0}, "", "cannot read: " + main_text.error()}});
  }
  std::vector<SourceText> files{{path, std::move(*main_text)}};
  Errors read_errors;
  const std::string dir = conf_d_dir(path);
  auto names = fs.list(dir);
  if (!names) read_errors.push_back({{dir, 0}, "", "cannot list: " + names.error()});
  std::vector<std::string> conf_names;
  if (names) {
    std::copy_if(names->begin(), names->end(), std::back_inserter(conf_names), is_conf_name);
  }
  std::sort(conf_names.begin(), conf_names.end());
  std::size_t total = files.front().text.size();
  for (const auto& name : conf_names) {
    const std::string file = (std::filesystem::path(dir) / name).string();
    auto text = fs.read(file);
    if (!text) {
      read_errors.push_back({{file, 0}, "", "cannot read: " + text.error()});
      continue;
    }
    total += text->size();
    if (total > kMaxConfigBytes) {
      read_errors.push_back({{file, 0}, "", "the configuration's files come to more than " +
                                                std::to_string(kMaxConfigBytes / (1024 * 1024)) +
                                                " MiB here; floatd reads no further"});
      break;
    }
    files.push_back({file, std::move(*text)});
  }
  auto result = parse_texts(files, fs.hostname());
  if (read_errors.empty()) return result;
  Errors all = std::move(read_errors);
  if (!result) all.insert(all.end(), result.error().begin(), result.error().end());
  std::vector<std::string> order{path, dir};
  for (const auto& name : conf_names) order.push_back((std::filesystem::path(dir) / name).string());
  sort_errors(all, order);
  return fail(std::move(all));
}

LoadResult load(const std::string& path) { return load(path, RealFileSystem{}); }

}  // namespace floatd::config
