// Where a piece of configuration was written: file and line.
//
// Every typed section keeps the line of its [header] and of each key, and every list item
// (a virtual address, a peer, a tracked name) keeps its own line, so that validation, which
// runs after parsing, can still point at the line that is wrong. Locations are not part of a
// configuration's value: Origin and SectionOrigin compare equal to any other, so two configs
// that say the same thing are equal wherever they were written (print -> parse round trip).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace floatd::config {

struct SourceLoc {
  std::string file;
  int line = 0;  // 1-based; 0 = the file as a whole

  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

// "line 12" when `loc` is in `here`'s file, else "other.conf:12": for "first set at ...".
std::string describe_loc(const SourceLoc& loc, const SourceLoc& here);

// The location of one list item. Equal to any other Origin (see above).
struct Origin {
  SourceLoc loc;

  friend bool operator==(const Origin&, const Origin&) { return true; }
};

// The locations of one section: its header and the first line of each key set in it.
struct SectionOrigin {
  SourceLoc section;
  std::map<std::string, SourceLoc, std::less<>> keys;

  bool has(std::string_view key) const { return keys.find(key) != keys.end(); }
  // The line of `key`, or the section header's line when the key was not written.
  const SourceLoc& at(std::string_view key) const;

  friend bool operator==(const SectionOrigin&, const SectionOrigin&) { return true; }
};

}  // namespace floatd::config
