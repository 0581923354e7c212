// keepalived.conf reader: a keepalived configuration and its include files as a
// tree of keyword nodes, each with its file and line, for `floatctl
// import-keepalived`.
//
// It follows keepalived's lib/parser.c as far as a configuration can see it:
//   - `include GLOB` is found first, relative to the including file's
//   directory, sorted,
//     at most kMaxIncludeDepth files deep, a file never including itself;
//   - `@ID rest` keeps the rest only when the config id (keepalived -i) is ID,
//   `@^ID rest`
//     only when it is not;
//   - comments run from # or ! (outside quotes) to the end of the line;
//   - `$NAME=value` defines a parameter (a trailing \ continues it on the next
//   line), used as
//     `$NAME` followed by a blank or `${NAME}` anywhere; undefined names stay
//     as written;
//   - words are split on blanks; "..." and '...' quote (quotes removed,
//   adjacent text joined);
//     { and } are words of their own and open or close a block, on the
//     keyword's line or the next.
// Files and globs sit behind FileSource, so the reader itself touches no disk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::cli::keepalived {

inline constexpr int kMaxIncludeDepth = 8;  // files deep, the main file being depth 1
inline constexpr int kMaxBlockDepth = 16;   // nested { }

struct Location {
  std::string file;
  int line = 0;
};

// Something of the keepalived configuration that floatd's does not hold.
struct Note {
  Location loc;
  std::string keyword;
  std::string text;  // usually "not carried over (REASON)"
};

std::string to_string(const Note& note);  // "FILE:LINE: KEYWORD: TEXT"
std::string not_carried(std::string_view reason);

// Sorts notes by file (in the order of `files`) and line, keeping the order of
// equal ones.
void sort_notes(std::vector<Note>& notes, const std::vector<std::string>& files);

// One statement: a keyword, its arguments, and the block that follows it in
// braces. In list blocks (virtual_ipaddress, unicast_peer, group) each line is
// a node whose keyword is the first word.
struct Node {
  std::string keyword;
  std::vector<std::string> args;
  Location loc;
  bool block = false;
  std::vector<Node> children;
};

class FileSource {
 public:
  virtual ~FileSource() = default;
  // The whole file, or the reason it cannot be read.
  virtual Result<std::string> read(const std::string& path) const = 0;
  // The paths that match a glob pattern (brace expansion included), sorted;
  // none is fine.
  virtual std::vector<std::string> glob(const std::string& pattern) const = 0;
  // One name per file whatever the path used to reach it (realpath), for cycle
  // detection.
  virtual std::string identity(const std::string& path) const { return path; }
};

struct ReadOptions {
  std::string config_id;  // keepalived -i, for @ID lines and ${_INSTANCE}
};

struct KeepalivedConfig {
  std::vector<Node> nodes;
  std::vector<std::string> files;  // every file read, the main one first
  std::vector<Note> notes;         // lines the reader left out (generators, empty globs)
};

// Reads `path` and its includes. An error reads "FILE:LINE: REASON" (line 0
// when the file cannot be read): unbalanced quotes or braces, include cycles,
// too deep nesting.
Result<KeepalivedConfig> read_config(const std::string& path, const FileSource& files,
                                     const ReadOptions& options);

// The pure steps, for tests.
//   split_words: one line (comments already gone) as words; "{" and "}" only
//   when unquoted come back as kOpen / kClose. Error: "unbalanced double quote"
//   / "unbalanced single quote".
enum class WordKind { kText, kOpen, kClose };
struct Word {
  std::string text;
  WordKind kind = WordKind::kText;
};
Result<std::vector<Word>> split_words(std::string_view line);

// The line up to its first # or ! outside quotes.
std::string_view strip_comment(std::string_view line);

}  // namespace floatd::cli::keepalived
