#include "daemon/status_writer.hpp"

#include "daemon/json_text.hpp"
#include "daemon/status.hpp"
#include "floatd/control_protocol.hpp"

namespace floatd::daemon {

StatusWriter::StatusWriter(Source source, std::string name)
    : source_(std::move(source)), name_(std::move(name)) {}

void StatusWriter::begin(std::string& out) {
  out.resize(start_);
  list_ = source_.instances();
  // Room for all of it now: growing by doubling would copy megabytes within one step.
  out.reserve(out.size() + (name_.empty() ? list_.size() * 1200 : 2048) + 1024);
  next_ = 0;
  written_ = 0;
  out += R"({"instances":[)";
}

// The members after the list, in sorted order as dump() writes them (status.hpp).
void StatusWriter::finish(std::string& out) {
  out += ']';
  JsonText j(out);
  j.raw("");  // the list was the first member: what follows takes a comma
  const nlohmann::json more = source_.more();
  for (const auto& [key, value] : more.items()) j.key(key).raw(dump_json(value));
  j.key("version").number(control::kProtocolVersion);
  j.end_object();
}

bool StatusWriter::write_some(std::string& out) {
  if (!started_) {
    started_ = true;
    start_ = out.size();
    begin(out);
  } else if (source_.instances() != list_) {
    ++restarts_;  // a reload between steps: start again from the list as it is now
    begin(out);
  }
  const bool all_at_once = !name_.empty() || restarts_ >= kMaxRestarts;
  const MonoTime now = source_.now();
  for (std::size_t n = 0; next_ < list_.size() && (all_at_once || n < kInstancesPerStep);
       ++n, ++next_) {
    if (!all_at_once && n > 0 && n % 16 == 0 && source_.now() - now >= kStepTime) break;
    const Instance& i = *list_[next_];
    if (!name_.empty() && i.name() != name_) continue;
    if (written_++ > 0) out += ',';
    JsonText j(out);
    write_instance_status(j, i, now);
  }
  if (next_ < list_.size()) return false;
  finish(out);
  return true;
}

std::string status_text(const std::vector<const Instance*>& instances, std::string_view name,
                        MonoTime now, const nlohmann::json& more) {
  StatusWriter writer({[&] { return instances; }, [now] { return now; }, [&] { return more; }},
                      std::string(name));
  std::string text;
  text.reserve(instances.size() * 1200 + 256);
  while (!writer.write_some(text)) {
  }
  return text;
}

}  // namespace floatd::daemon
