// The import-keepalived command: the real files behind keepalived::FileSource,
// the options, and the output streams. The reading and the mapping are pure
// (keepalived_lexer, keepalived_import).
#include "cli/import_main.hpp"

#include <glob.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/keepalived_import.hpp"
#include "cli/keepalived_lexer.hpp"
#include "config/config.hpp"

namespace floatd::cli {
namespace {

namespace ka = keepalived;

constexpr int kCarried = 0;
constexpr int kUnreadable = 1;
constexpr int kUsage = 2;
constexpr int kLeftOut = 3;

const char* kUsageText =
    "usage: floatctl import-keepalived [--id ID] FILE\n"
    "  Converts a keepalived.conf (with its include "
    "files) into floatd's INI on stdout; what\n"
    "  cannot be carried over is listed on stderr as "
    "FILE:LINE: KEYWORD: REASON.\n"
    "  --id ID   the config id for @ID lines (keepalived "
    "-i); default: the short host name\n"
    "  Exit status: 0 all carried over, 3 something left "
    "out, 1 unreadable file or syntax\n"
    "  error, 2 usage.\n";

class DiskFiles final : public ka::FileSource {
 public:
  Result<std::string> read(const std::string& path) const override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(std::string(std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return fail(std::string("read error"));
    return text.str();
  }

  std::vector<std::string> glob(const std::string& pattern) const override {
    glob_t g{};
    std::vector<std::string> paths;
    if (::glob(pattern.c_str(), GLOB_BRACE, nullptr, &g) == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    return paths;  // glob(3) sorts them
  }

  std::string identity(const std::string& path) const override {
    char resolved[PATH_MAX];
    return realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
  }
};

std::string short_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  const std::string host(name);
  return host.substr(0, host.find('.'));
}

struct Args {
  std::string file;
  std::string id;
  bool id_given = false;
};

Result<Args> parse_args(const std::vector<std::string>& args) {
  Args a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--id" || args[i] == "-i") {
      if (i + 1 >= args.size()) return fail(args[i] + " needs a config id");
      a.id = args[++i];
      a.id_given = true;
    } else if (args[i] == "-h" || args[i] == "--help") {
      return fail(std::string());
    } else if (!args[i].empty() && args[i][0] == '-' && args[i] != "-") {
      return fail("unknown option " + args[i]);
    } else if (!a.file.empty()) {
      return fail(std::string("one keepalived.conf at a time"));
    } else {
      a.file = args[i];
    }
  }
  if (a.file.empty()) return fail(std::string("which keepalived.conf?"));
  return a;
}

// A last check that floatd takes what was written: anything it refuses is left
// out too.
bool validates(const std::string& ini) {
  auto loaded = config::parse_string(ini, "<imported>");
  if (loaded) return true;
  std::cerr << "floatctl: floatd refuses the imported configuration:\n";
  for (const auto& e : loaded.error()) std::cerr << "  " << e.to_string() << "\n";
  return false;
}

}  // namespace

int import_keepalived_main(const std::vector<std::string>& args) {
  auto a = parse_args(args);
  if (!a && a.error().empty()) {  // --help
    std::cout << kUsageText;
    return kCarried;
  }
  if (!a) {
    std::cerr << "floatctl: import-keepalived: " << a.error() << "\n" << kUsageText;
    return kUsage;
  }
  const std::string id = a->id_given ? a->id : short_hostname();
  auto read = ka::read_config(a->file, DiskFiles{}, ka::ReadOptions{id});
  if (!read) {
    std::cerr << read.error() << "\n";
    return kUnreadable;
  }
  const std::string command = "floatctl import-keepalived " +
                              (a->id_given ? "--id " + a->id + " " : std::string()) + a->file;
  auto result = ka::import_config(read->nodes, {command, read->files});
  auto notes = read->notes;
  notes.insert(notes.end(), result.notes.begin(), result.notes.end());
  ka::sort_notes(notes, read->files);
  std::cout << result.ini << std::flush;
  for (const auto& n : notes) std::cerr << ka::to_string(n) << "\n";
  const bool valid = validates(result.ini);
  return notes.empty() && valid ? kCarried : kLeftOut;
}

}  // namespace floatd::cli
