// The daemon's private parts, shared by its three files: daemon.cpp (life cycle, config,
// timers), daemon_kernel.cpp (interfaces, VMACs, sockets, receive) and daemon_events.cpp
// (transitions, tracking, sync groups, events, control commands).
#pragma once

#include <array>

#include "daemon/daemon.hpp"

namespace floatd::daemon {

struct Daemon::Running {
  Daemon* daemon = nullptr;
  std::unique_ptr<Instance> instance;
  std::optional<MonoTime> due;  // its entry in Daemon::deadlines_
  // Its entry's node while it is out of deadlines_: put back on the next rearm(), so that
  // moving a deadline allocates nothing (issue 14).
  Deadlines::node_type node;
  // In a batch of updates that has not reached it yet (update_each: interface updates, the
  // tracking re-evaluation): send_due_adverts() leaves it alone until its news is applied (its
  // link may be gone, its check failed).
  bool pending = false;
};

struct Daemon::Socket {
  Daemon* daemon = nullptr;
  std::string interface;
  Family family = Family::kIPv4;
  std::unique_ptr<AdvertSocket> socket;
  ev_io watcher{};
  // VRID -> the instance on this (device, family): by_key_'s entries for this socket, so that
  // a received advert finds its instance by index, not by a string-keyed map (issue 14).
  std::array<Running*, 256> by_vrid{};
};


template <typename Update>
void Daemon::update_each(Only only, Update&& update) {
  // Cleared on every way out, an exception's included.
  struct Marks {
    std::vector<std::unique_ptr<Running>>& all;
    Only only;
    void set(bool pending) {
      if (only == nullptr) {
        for (auto& r : all) r->pending = pending;
        return;
      }
      for (const std::size_t n : *only) {
        if (n < all.size()) all[n]->pending = pending;
      }
    }
    ~Marks() { set(false); }
  } marks{instances_, only};
  marks.set(true);
  const auto one = [&](Running& r) {
    r.pending = false;
    update(r);
    send_due_adverts();
  };
  if (only == nullptr) {
    for (auto& r : instances_) one(*r);
    return;
  }
  for (const std::size_t n : *only) {
    if (n < instances_.size()) one(*instances_[n]);
  }
}

}  // namespace floatd::daemon
