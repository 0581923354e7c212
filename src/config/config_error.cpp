#include "config/config_error.hpp"

#include <algorithm>
#include <cstddef>

#include "floatd/text.hpp"

namespace floatd::config {

std::string ConfigError::to_string() const {
  std::string out = loc.file + ":" + std::to_string(loc.line) + ": ";
  if (!key.empty()) out += key + ": ";
  // Reasons quote the file's own text (a value, a name), which may hold any bytes: the line
  // is made safe for a terminal or a log here, where every error is printed from.
  return sanitize_text(out + reason, kMaxErrorBytes);
}

void sort_errors(Errors& errors, const std::vector<std::string>& file_order) {
  auto rank = [&file_order](const std::string& file) {
    auto it = std::find(file_order.begin(), file_order.end(), file);
    return static_cast<std::size_t>(it - file_order.begin());
  };
  std::stable_sort(errors.begin(), errors.end(), [&rank](const auto& a, const auto& b) {
    const auto ra = rank(a.loc.file);
    const auto rb = rank(b.loc.file);
    if (ra != rb) return ra < rb;
    return a.loc.line < b.loc.line;
  });
}

}  // namespace floatd::config
