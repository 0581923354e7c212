#include "daemon/loop_meter.hpp"

#include <cstdio>
#include <string>

namespace floatd::daemon {

bool LoopTurns::record(Microseconds busy) {
  ++stats_.batches;
  if (busy <= kSlow) return false;
  ++stats_.slow;
  if (busy <= stats_.longest) return false;
  stats_.longest = busy;
  return true;
}

LoopMeter::LoopMeter(struct ev_loop* loop, const Clock& clock, Log& log)
    : loop_(loop), clock_(clock), log_(log) {
  ev_set_userdata(loop_, this);
  ev_set_invoke_pending_cb(loop_, invoke);
}

LoopMeter::~LoopMeter() {
  ev_set_invoke_pending_cb(loop_, ev_invoke_pending);
  ev_set_userdata(loop_, nullptr);
}

void LoopMeter::invoke(struct ev_loop* loop) noexcept {
  auto* m = static_cast<LoopMeter*>(ev_userdata(loop));
  const MonoTime start = m->clock_.now();
  ev_invoke_pending(loop);  // every callback is its own exception boundary
  m->record(std::chrono::duration_cast<Microseconds>(m->clock_.now() - start));
}

void LoopMeter::record(Microseconds busy) noexcept {
  if (!turns_.record(busy)) return;
  try {
    const auto allowed = lines_.allow(clock_.now());
    if (!allowed) return;
    char text[160];
    std::snprintf(text, sizeof text,
                  "event loop: one batch of work ran %.1f ms, the longest yet (adverts wait for "
                  "it); %llu batches over %lld ms so far",
                  static_cast<double>(busy.count()) / 1000.0,
                  static_cast<unsigned long long>(turns_.stats().slow),
                  static_cast<long long>(LoopTurns::kSlow.count() / 1000));
    log_.warning(text);
  } catch (...) {  // no memory for the line: the counters still have it
  }
}

}  // namespace floatd::daemon
