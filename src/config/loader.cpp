#include "config/loader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <system_error>

namespace floatd::config {
namespace {

constexpr std::string_view kConfSuffix = ".conf";

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

bool is_conf_name(const std::string& name) {
  return name.size() > kConfSuffix.size() && name.front() != '.' &&
         name.compare(name.size() - kConfSuffix.size(), kConfSuffix.size(), kConfSuffix) == 0;
}

}  // namespace

Result<std::string> RealFileSystem::read(const std::string& path) const {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return fail(std::string(std::strerror(errno)));
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) text.append(buf, n);
  if (std::ferror(file.get()) != 0) return fail(std::string(std::strerror(errno)));
  return text;
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
  for (const auto& name : conf_names) {
    const std::string file = (std::filesystem::path(dir) / name).string();
    auto text = fs.read(file);
    if (!text) {
      read_errors.push_back({{file, 0}, "", "cannot read: " + text.error()});
    } else {
      files.push_back({file, std::move(*text)});
    }
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
