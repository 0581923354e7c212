// HeartbeatPaths: an instance's links to the other nodes (issue 11). Path 0 is the primary
// interface, where the VIPs live and plain RFC 5798 runs; paths 1.. are its `heartbeat_path`
// lines, extra unicast channels over which the Master sends the same adverts.
//
// It owns what is per path: the address adverts leave from, whether the link is usable, the
// counters, the replay guard and sequence of an authenticated path, and the PathWatch that
// tells a person when one path goes silent while another still hears the Master. The Instance
// decides what to send and when; this class says where and how, and checks what arrives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/instance_config.hpp"
#include "daemon/interface_table.hpp"
#include "vrrp/drop_reason.hpp"
#include "vrrp/heartbeat_seal.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/path_watch.hpp"

namespace floatd::daemon {

struct PathStats {
  std::uint64_t adverts_in = 0;
  std::uint64_t adverts_out = 0;
  std::uint64_t drops = 0;
};

// The paths' HMAC (heartbeat_key) and the sequence numbers this sender puts in its trailers.
struct PathAuth {
  std::shared_ptr<const vrrp::Hmac> hmac;
  std::uint32_t epoch = 0;  // wall-clock seconds at start (vrrp::SequenceCounter)
};

// A path's state as status and events show it: a Master's paths are not watched (kIdle) but
// carry its adverts, "sending".
std::string_view path_state_shown(vrrp::PathState state, bool master);

class HeartbeatPaths {
 public:
  explicit HeartbeatPaths(const config::InstanceConfig& config);

  std::size_t size() const { return links_.size(); }  // 1 + heartbeat paths
  bool any() const { return links_.size() > 1; }
  const config::HeartbeatPath& config(std::size_t path) const { return links_.at(path).config; }
  const std::string& interface(std::size_t path) const { return watch_.paths().at(path).name; }
  const PathStats& stats(std::size_t path) const { return links_.at(path).stats; }
  PathStats& stats(std::size_t path) { return links_.at(path).stats; }
  const vrrp::PathWatch& watch() const { return watch_; }
  vrrp::PathWatch& watch() { return watch_; }

  // Path `path` >= 1 as the table sees it now (nullptr: missing). Returns why the path is
  // unusable, or nullopt when adverts can leave from source().
  std::optional<std::string> update_interface(std::size_t path, const InterfaceInfo* iface,
                                              Family family);
  const std::optional<IpAddress>& source(std::size_t path) const { return links_.at(path).source; }
  bool usable(std::size_t path) const { return links_.at(path).usable; }

  // heartbeat_key: adverts on paths 1.. carry a trailer (vrrp/heartbeat_seal.hpp).
  void set_auth(std::optional<PathAuth> auth);
  bool authenticated() const { return auth_.has_value(); }
  // The bytes to send on an authenticated path: the message, sealed with the next sequence.
  Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> message,
                                         const IpAddress& src, const IpAddress& dst);
  // Checks an authenticated path's payload before anything else reads it: the VRRP message,
  // or why it is dropped (truncated, forged, replayed).
  Result<std::span<const std::uint8_t>, vrrp::DropReason> unseal(
      std::size_t path, std::span<const std::uint8_t> payload, const vrrp::PacketInfo& info);

  // Is `src` one of path `path`'s peers (path >= 1)?
  bool is_peer(std::size_t path, const IpAddress& src) const;

 private:
  struct Link {
    config::HeartbeatPath config;  // path 0: the primary interface, no peers
    std::optional<IpAddress> source;
    bool usable = false;
    PathStats stats;
    vrrp::ReplayGuard replay;
  };
  std::vector<Link> links_;
  vrrp::PathWatch watch_;
  std::optional<PathAuth> auth_;
  std::optional<vrrp::SequenceCounter> sequence_;
};

}  // namespace floatd::daemon
