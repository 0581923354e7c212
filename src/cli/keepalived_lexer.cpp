#include "cli/keepalived_lexer.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace floatd::cli::keepalived {
namespace {

constexpr int kMaxExpansion = 8;  // parameters used inside parameters

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string where(const Location& loc) { return loc.file + ":" + std::to_string(loc.line); }

// The directory part of a path, with its slash ("" for a bare name).
std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

struct RawLine {
  Location loc;
  std::string text;
};

// Step 1: the lines of the main file with every include spliced in where it
// stands.
class IncludeReader {
 public:
  IncludeReader(const FileSource& fs, KeepalivedConfig& config) : fs_(fs), config_(config) {}

  Result<Ok> read_file(const std::string& path, int depth) {
    auto text = fs_.read(path);
    if (!text) return fail(path + ":0: cannot read: " + text.error());
    if (std::find(config_.files.begin(), config_.files.end(), path) == config_.files.end()) {
      config_.files.push_back(path);
    }
    stack_.push_back(fs_.identity(path));
    std::string_view rest = *text;
    for (int line = 1; !rest.empty(); ++line) {
      const auto end = rest.find('\n');
      const auto raw = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (auto ok = line_or_include({path, line}, raw, depth); !ok) return ok;
    }
    stack_.pop_back();
    return Ok{};
  }

  std::vector<RawLine> take() { return std::move(lines_); }

 private:
  static bool is_include(std::string_view word) {
    return word == "include" || word == "includer" || word == "includem" || word == "includew" ||
           word == "includeb" || word == "includea";
  }

  Result<Ok> line_or_include(const Location& loc, std::string_view raw, int depth) {
    const auto text = trim(strip_comment(raw));
    const auto keyword = text.substr(0, std::min(text.find_first_of(" \t"), text.size()));
    if (!is_include(keyword)) {
      lines_.push_back({loc, std::string(raw)});
      return Ok{};
    }
    auto words = split_words(text);
    if (!words || words->size() < 2 || words->at(1).kind != WordKind::kText) {
      return fail(where(loc) + ": " + std::string(keyword) + " needs a file name or pattern");
    }
    std::string pattern = words->at(1).text;
    if (pattern.front() != '/') pattern = dir_of(loc.file) + pattern;
    const auto paths = fs_.glob(pattern);
    if (paths.empty()) {
      config_.notes.push_back(
          {loc, std::string(keyword), not_carried("no file matches " + pattern)});
    }
    for (const auto& path : paths) {
      if (auto ok = include(loc, path, depth); !ok) return ok;
    }
    return Ok{};
  }

  Result<Ok> include(const Location& loc, const std::string& path, int depth) {
    if (depth >= kMaxIncludeDepth) {
      return fail(where(loc) + ": include: " + path + " would be more than " +
                  std::to_string(kMaxIncludeDepth) + " files deep");
    }
    if (std::find(stack_.begin(), stack_.end(), fs_.identity(path)) != stack_.end()) {
      return fail(where(loc) + ": include: " + path + " is already being read (an include cycle)");
    }
    return read_file(path, depth + 1);
  }

  const FileSource& fs_;
  KeepalivedConfig& config_;
  std::vector<std::string> stack_;  // identities of the files being read
  std::vector<RawLine> lines_;
};

// Step 2: conditionals, comments and parameters; what is left are the lines to
// split.
class Preprocessor {
 public:
  Preprocessor(const ReadOptions& options, std::vector<Note>& notes)
      : options_(options), notes_(notes) {}

  std::vector<RawLine> run(const std::vector<RawLine>& lines) {
    std::vector<RawLine> out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto text = conditional(trim(lines[i].text));
      if (!text) continue;
      const auto line = trim(strip_comment(*text));
      if (define(line, lines, i)) continue;
      if (line.starts_with("~SEQ") || line.starts_with("~LST")) {
        notes_.push_back(
            {lines[i].loc, std::string(line.substr(0, 4)),
             not_carried("the importer does not run generators; write the lines out")});
        continue;
      }
      loc_ = &lines[i].loc;
      const std::string expanded = expand(line, 0);
      for (std::size_t start = 0;;) {
        const auto end = expanded.find('\n', start);
        out.push_back({lines[i].loc, expanded.substr(start, end - start)});
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
    return out;
  }

 private:
  // `@ID rest` / `@^ID rest`: the rest when it applies to this node, else
  // nothing.
  std::optional<std::string_view> conditional(std::string_view text) const {
    if (!text.starts_with('@')) return text;
    text.remove_prefix(1);
    const bool negated = text.starts_with('^');
    if (negated) text.remove_prefix(1);
    const auto end = std::min(text.find_first_of(" \t"), text.size());
    if ((text.substr(0, end) == options_.config_id) == negated) return std::nullopt;
    return trim(text.substr(end));
  }

  // `$NAME=value`, continued by a trailing backslash; advances `i` over
  // continuation lines.
  bool define(std::string_view line, const std::vector<RawLine>& lines, std::size_t& i) {
    if (!line.starts_with('$')) return false;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq < 2) return false;
    const auto name = line.substr(1, eq - 1);
    const bool word = std::all_of(name.begin(), name.end(),
                                  [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
    if (!word) return false;
    std::string value(trim(line.substr(eq + 1)));
    while (!value.empty() && value.back() == '\\' && i + 1 < lines.size()) {
      value.pop_back();
      value = std::string(trim(value)) + "\n" + std::string(trim(strip_comment(lines[++i].text)));
    }
    params_[std::string(name)] = value;
    return true;
  }

  std::optional<std::string> lookup(const std::string& name) const {
    if (auto it = params_.find(name); it != params_.end()) return it->second;
    if (name == "_INSTANCE") return options_.config_id;
    if (name == "_HASH") return "#";
    if (name == "_BANG") return "!";
    if (name == "_PWD") {
      const auto dir = dir_of(loc_->file);
      return dir.empty() ? "." : dir.substr(0, dir.size() - 1);
    }
    if (name.starts_with("_ENV") || name.starts_with("_RANDOM")) {
      notes_.push_back({*loc_, "${" + name + "}",
                        not_carried("the importer does not evaluate it; it is left as written")});
    }
    return std::nullopt;
  }

  std::string expand(std::string_view text, int depth) const {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      if (text[i] != '$' || depth > kMaxExpansion) {
        out += text[i++];
        continue;
      }
      const bool braced = i + 1 < text.size() && text[i + 1] == '{';
      const auto end = braced ? text.find('}', i + 2) : text.find_first_of(" \t", i + 1);
      if (braced && end == std::string_view::npos) {
        out += text[i++];
        continue;
      }
      const auto from = i + (braced ? 2 : 1);
      const auto stop = std::min(end, text.size());
      const auto value = lookup(std::string(text.substr(from, stop - from)));
      const auto next = braced ? end + 1 : stop;
      out += value ? expand(*value, depth + 1) : std::string(text.substr(i, next - i));
      i = next;
    }
    return out;
  }

  const ReadOptions& options_;
  std::vector<Note>& notes_;
  std::map<std::string, std::string> params_;
  const Location* loc_ = nullptr;  // the line being expanded, for ${_PWD} and notes
};

struct Token {
  Word word;
  Location loc;
  std::size_t line = 0;  // index of the logical line: a statement ends with its line
};

// Step 4: tokens into nodes.
class TreeParser {
 public:
  explicit TreeParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<std::vector<Node>> parse() { return block(0, nullptr); }

 private:
  Result<std::vector<Node>> block(int depth, const Node* opener) {
    std::vector<Node> nodes;
    while (pos_ < tokens_.size()) {
      const Token& t = tokens_[pos_];
      if (t.word.kind == WordKind::kClose) {
        if (depth == 0) return fail(where(t.loc) + ": '}' without a block to close");
        ++pos_;
        return nodes;
      }
      if (t.word.kind == WordKind::kOpen) {
        return fail(where(t.loc) + ": '{' without a keyword before it");
      }
      auto node = statement();
      if (!node) return fail(node.error());
      nodes.push_back(std::move(*node));
    }
    if (opener != nullptr) {
      return fail(where(opener->loc) + ": the block of " + opener->keyword + " is never closed");
    }
    return nodes;
  }

  Result<Node> statement() {
    const Token& first = tokens_[pos_++];
    Node node{first.word.text, {}, first.loc, false, {}};
    while (pos_ < tokens_.size() && tokens_[pos_].word.kind == WordKind::kText &&
           tokens_[pos_].line == first.line) {
      node.args.push_back(tokens_[pos_++].word.text);
    }
    if (pos_ >= tokens_.size() || tokens_[pos_].word.kind != WordKind::kOpen) return node;
    if (++depth_ > kMaxBlockDepth) {
      return fail(where(tokens_[pos_].loc) + ": blocks nested more than " +
                  std::to_string(kMaxBlockDepth) + " deep");
    }
    ++pos_;
    auto children = block(depth_, &node);
    --depth_;
    if (!children) return fail(children.error());
    node.block = true;
    node.children = std::move(*children);
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::string to_string(const Note& note) {
  return where(note.loc) + ": " + note.keyword + ": " + note.text;
}

std::string not_carried(std::string_view reason) {
  return "not carried over (" + std::string(reason) + ")";
}

void sort_notes(std::vector<Note>& notes, const std::vector<std::string>& files) {
  const auto rank = [&files](const Note& n) {
    const auto it = std::find(files.begin(), files.end(), n.loc.file);
    return std::make_pair(it - files.begin(), n.loc.line);
  };
  std::stable_sort(notes.begin(), notes.end(),
                   [&rank](const Note& a, const Note& b) { return rank(a) < rank(b); });
}

std::string_view strip_comment(std::string_view line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' || c == '!') {
      return line.substr(0, i);
    }
  }
  return line;
}

Result<std::vector<Word>> split_words(std::string_view line) {
  std::vector<Word> words;
  std::string current;
  bool in_word = false;
  const auto finish = [&] {
    if (in_word) words.push_back({std::move(current), WordKind::kText});
    current.clear();
    in_word = false;
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const auto close = c == '$' && i + 1 < line.size() && line[i + 1] == '{'
                           ? line.find('}', i + 2)
                           : std::string_view::npos;
    if (close != std::string_view::npos) {  // an unknown ${NAME} stays one piece of text
      in_word = true;
      current += line.substr(i, close + 1 - i);
      i = close;
    } else if (blank(c) || c == '\r') {
      finish();
    } else if (c == '{' || c == '}') {
      finish();
      words.push_back({std::string(1, c), c == '{' ? WordKind::kOpen : WordKind::kClose});
    } else if (c == '"' || c == '\'') {
      in_word = true;
      for (++i; i < line.size() && line[i] != c; ++i) {
        const bool escape = c == '"' && line[i] == '\\' && i + 1 < line.size() &&
                            (line[i + 1] == '"' || line[i + 1] == '\\');
        if (escape) ++i;
        current += line[i];
      }
      if (i >= line.size()) {
        return fail(std::string(c == '"' ? "unbalanced double quote" : "unbalanced single quote"));
      }
    } else {
      in_word = true;
      current += c;
    }
  }
  finish();
  return words;
}

Result<KeepalivedConfig> read_config(const std::string& path, const FileSource& files,
                                     const ReadOptions& options) {
  KeepalivedConfig config;
  IncludeReader reader(files, config);
  if (auto ok = reader.read_file(path, 1); !ok) return fail(ok.error());
  const auto lines = Preprocessor(options, config.notes).run(reader.take());
  std::vector<Token> tokens;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto words = split_words(lines[i].text);
    if (!words) return fail(where(lines[i].loc) + ": " + words.error());
    for (auto& w : *words) tokens.push_back({std::move(w), lines[i].loc, i});
  }
  auto nodes = TreeParser(std::move(tokens)).parse();
  if (!nodes) return fail(nodes.error());
  config.nodes = std::move(*nodes);
  return config;
}

}  // namespace floatd::cli::keepalived
