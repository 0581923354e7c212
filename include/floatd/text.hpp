// Text from outside floatd (script output, file contents, interface names, peers' strings)
// made safe where it enters: valid UTF-8 with no control characters, and bounded. Everything
// downstream (logs, JSON for floatctl, metrics labels) may then use it as it is. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace floatd {

// Copies `raw`, replacing each byte that is not part of a well-formed UTF-8 sequence, and each
// control character (C0 and DEL; tab and newline too unless `keep_newlines`), with "\xHH".
// Stops before `max_bytes` of output, never inside an escape or a multi-byte character, and
// then ends with "..." (counted in `max_bytes`).
std::string sanitize_text(std::string_view raw, std::size_t max_bytes = 4096,
                          bool keep_newlines = false);

// True when `text` would come out of sanitize_text() unchanged (no limit).
bool is_clean_text(std::string_view text, bool allow_newlines = false);

}  // namespace floatd
