#include "config/ini_reader.hpp"

#include <ini.h>

#include <cstddef>
#include <cstring>
#include <new>

#include "config/line_normaliser.hpp"

namespace floatd::config {
namespace {

// Shared by the reader and the handler: inih calls the handler for a line right after the
// reader has returned that line, so `line` is the handler's line too.
struct ReadState {
  std::string_view text;
  std::size_t pos = 0;
  int line = 0;
  const std::string& filename;
  IniFile out;
  bool in_section = false;      // a header was read (good or bad)
  bool section_broken = false;  // the last header was malformed: skip its keys
  bool out_of_memory = false;   // an allocation failed inside a callback

  SourceLoc here() const { return {filename, line}; }
  std::string_view next_raw_line();
  void take(const NormalisedLine& norm);
  void on_entry(const char* key, const char* value);
};

std::string_view ReadState::next_raw_line() {
  const auto end = text.find('\n', pos);
  const auto stop = end == std::string_view::npos ? text.size() : end;
  auto raw = text.substr(pos, stop - pos);
  pos = stop + 1;
  ++line;
  return raw;
}

void ReadState::take(const NormalisedLine& norm) {
  using Kind = NormalisedLine::Kind;
  if (norm.kind == Kind::kError || norm.kind == Kind::kBadSection) {
    out.errors.push_back({here(), norm.key, norm.reason});
  }
  if (norm.kind == Kind::kBadSection) {
    in_section = section_broken = true;
  } else if (norm.kind == Kind::kSection) {
    out.sections.push_back({norm.section, here(), {}});
    in_section = true;
    section_broken = false;
  }
}

void ReadState::on_entry(const char* key, const char* value) {
  if (!in_section) {
    out.errors.push_back(
        {here(), key, "set outside any section (put it under [global] or [instance NAME])"});
  } else if (!section_broken) {
    out.sections.back().entries.push_back({key, value, here()});
  }
}

// inih's reader: an fgets() over the text that hands out normalised lines.
char* read_line(char* buf, int size, void* stream) noexcept {
  auto& state = *static_cast<ReadState*>(stream);
  if (state.pos >= state.text.size() || state.out_of_memory || size < 2) return nullptr;
  try {
    const auto max_len = static_cast<std::size_t>(size) - 2;  // room for '\n' and NUL
    const bool first = state.line == 0;
    const auto norm = normalise_line(state.next_raw_line(), max_len, first);
    state.take(norm);
    const bool pass =
        norm.kind == NormalisedLine::Kind::kSection || norm.kind == NormalisedLine::Kind::kKeyValue;
    const std::string_view give = pass ? std::string_view(norm.text) : std::string_view("");
    std::memcpy(buf, give.data(), give.size());
    buf[give.size()] = '\n';
    buf[give.size() + 1] = '\0';
    return buf;
  } catch (...) {  // only allocation can fail here; never let it cross into C
    state.out_of_memory = true;
    return nullptr;
  }
}

int on_entry(void* user, const char* /*section*/, const char* key, const char* value) noexcept {
  auto& state = *static_cast<ReadState*>(user);
  try {
    state.on_entry(key, value);
    return 1;
  } catch (...) {  // only allocation can fail here; never let it cross into C
    state.out_of_memory = true;
    return 0;
  }
}

}  // namespace

IniFile read_ini(std::string_view text, const std::string& filename) {
  ReadState state{text, 0, 0, filename, {}, false, false, false};
  const int rc = ini_parse_stream(read_line, &state, on_entry, &state);
  if (state.out_of_memory) throw std::bad_alloc();
  if (rc != 0) {
    // Cannot happen: inih only sees lines that we checked. Never let it pass silently.
    state.out.errors.push_back({{filename, rc}, "syntax", "inih rejected this line"});
  }
  return std::move(state.out);
}

}  // namespace floatd::config
