#include "track/command.hpp"

namespace floatd::track {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Characters that make sh do something an argv split cannot: run a pipeline or a list,
// redirect, start a subshell, expand a variable or a command, glob, or end a command.
bool is_shell_char(char c) {
  return std::string_view("|&;<>()$`*?[\n").find(c) != std::string_view::npos;
}

// Inside "...", a backslash escapes only these (POSIX sh); elsewhere it stays a backslash.
bool escapable_in_double_quotes(char c) { return c == '$' || c == '`' || c == '"' || c == '\\'; }

bool is_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (const char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '_') return false;
  }
  return true;
}

// Words that only mean something to a shell: reserved words and builtins with no program of the
// same name in PATH (test, [, echo, kill ... have one and run fine without a shell).
bool is_shell_word(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "!",        "{",        "}",       "[[",    "if",       "then",    "else",   "elif",
      "fi",       "case",     "esac",    "for",   "while",    "until",   "do",     "done",
      "function", ".",        ":",       "break", "continue", "eval",    "exec",   "exit",
      "export",   "readonly", "return",  "set",   "shift",    "times",   "trap",   "unset",
      "cd",       "alias",    "unalias", "read",  "wait",     "umask",   "ulimit", "command",
      "type",     "hash",     "jobs",    "fg",    "bg",       "getopts", "local",  "source"};
  for (const auto k : kWords) {
    if (w == k) return true;
  }
  return false;
}

enum class Quote : std::uint8_t { kNone, kSingle, kDouble };

// Splits a line into words; `shell` says whether anything in it needs sh. With stop_at_end
// set, stops at the end of the first word (for first_word()).
class Splitter {
 public:
  Result<Ok> run(std::string_view line, bool stop_at_first_word);

  std::vector<std::string> words;
  bool shell = false;

 private:
  void end_word() {
    if (in_word_) words.push_back(std::move(word_));
    word_.clear();
    in_word_ = false;
    word_quoted_ = false;
  }
  bool step_unquoted(std::string_view line, std::size_t& i);

  std::string word_;
  bool in_word_ = false;
  bool word_quoted_ = false;
  Quote quote_ = Quote::kNone;
};

// Handles line[i] outside quotes. Returns false at the end of a word.
bool Splitter::step_unquoted(std::string_view line, std::size_t& i) {
  const char c = line[i];
  if (is_blank(c)) return false;
  if (!in_word_ && (c == '#' || c == '~')) shell = true;  // a comment, a home directory
  if (c == '\'' || c == '"') {
    quote_ = c == '\'' ? Quote::kSingle : Quote::kDouble;
    in_word_ = word_quoted_ = true;
    return true;
  }
  if (c == '\\' && i + 1 < line.size()) {
    word_ += line[++i];
    in_word_ = word_quoted_ = true;
    return true;
  }
  if (is_shell_char(c)) shell = true;
  // VAR=value cmd: an assignment in front of the command
  if (c == '=' && words.empty() && !word_quoted_ && is_name(word_)) shell = true;
  word_ += c;
  in_word_ = true;
  return true;
}

Result<Ok> Splitter::run(std::string_view line, bool stop_at_first_word) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote_ == Quote::kSingle) {
      if (c == '\'')
        quote_ = Quote::kNone;
      else
        word_ += c;
      continue;
    }
    if (quote_ == Quote::kDouble) {
      if (c == '"') {
        quote_ = Quote::kNone;
      } else if (c == '\\' && i + 1 < line.size() && escapable_in_double_quotes(line[i + 1])) {
        word_ += line[++i];
      } else {
        if (c == '$' || c == '`') shell = true;
        word_ += c;
      }
      continue;
    }
    if (stop_at_first_word && is_shell_char(c)) break;
    if (c == '\\' && i + 1 == line.size()) return fail("trailing backslash");
    if (!step_unquoted(line, i)) {
      end_word();
      if (stop_at_first_word && !words.empty()) return Ok{};
    }
  }
  if (quote_ == Quote::kSingle) return fail("unbalanced single quote");
  if (quote_ == Quote::kDouble) return fail("unbalanced double quote");
  end_word();
  return Ok{};
}

}  // namespace

Result<Command> parse_command(std::string_view line) {
  if (line.find('\0') != std::string_view::npos) return fail("NUL byte in command");
  Splitter splitter;
  if (auto r = splitter.run(line, false); !r) return fail(r.error());
  if (splitter.words.empty()) return fail("empty command");
  if (splitter.words.front().empty()) return fail("empty command name");
  if (is_shell_word(splitter.words.front())) splitter.shell = true;
  if (!splitter.shell) return Command{std::move(splitter.words), false};

  // sh gets the line as written, without the blanks around it.
  const auto begin = line.find_first_not_of(" \t\r");
  const auto end = line.find_last_not_of(" \t\r");
  return Command{{"/bin/sh", "-c", std::string(line.substr(begin, end - begin + 1))}, true};
}

std::string first_word(std::string_view line) {
  Splitter splitter;
  if (!splitter.run(line, true) || splitter.words.empty()) return {};
  return splitter.words.front();
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailure:
      return "failure";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kSpawnError:
      return "spawn error";
  }
  return "?";
}

}  // namespace floatd::track
