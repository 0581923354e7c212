// An instance's actions on the wire and in the kernel: the adverts it sends (cached bytes,
// heartbeat paths, v2 beside v3), its VIPs added in one batch or removed, the gratuitous ARPs
// and NAs that announce them, and its Router Advertisements. Instance::run() calls these in
// the order the state machine's actions and the takeover rules of instance.cpp give.
#include <algorithm>
#include <utility>

#include "daemon/instance.hpp"
#include "vrrp/packet.hpp"

namespace floatd::daemon {
namespace {

// RFC 4861 §4.2 from the configuration (radvd's names in router_advert_config.hpp); `final`:
// Router Lifetime 0, RFC 4861 §6.2.5, so that hosts drop this router at once.
net::RouterAdvert router_advert(const config::InstanceConfig& c, bool final) {
  net::RouterAdvert ra;
  ra.cur_hop_limit = static_cast<std::uint8_t>(c.ra.cur_hop_limit);
  ra.managed = c.ra.managed;
  ra.other_config = c.ra.other_config;
  ra.preference = static_cast<std::uint8_t>(c.ra.preference);
  ra.router_lifetime =
      final ? 0 : static_cast<std::uint16_t>(c.ra.effective_default_lifetime());
  ra.reachable_time = c.ra.reachable_time;
  ra.retrans_timer = c.ra.retrans_timer;
  ra.mtu = c.ra.link_mtu;
  for (const auto& p : c.ra.prefixes) {
    ra.prefixes.push_back({p.prefix, p.on_link, p.autonomous, p.valid_lifetime,
                           p.preferred_lifetime});
  }
  return ra;
}

}  // namespace

// RFC 5798 §7.2 (PKT-9): fill the fields from the instance and compute the checksum. The
// message changes only with the priority, the source and the destination (the rest is
// configuration), so each destination's bytes are kept until one of those changes.
const std::vector<std::uint8_t>& Instance::advert_bytes(Priority priority, const IpAddress& src,
                                                        const IpAddress& dst, Version version) {
  auto it = std::find_if(advert_cache_.begin(), advert_cache_.end(), [&](const CachedAdvert& c) {
    return c.dst == dst && c.version == version;
  });
  if (it != advert_cache_.end() && it->priority == priority && it->src == src) {
    return it->bytes;
  }
  vrrp::Advert advert;
  advert.version = version;
  advert.vrid = config_->vrid;
  advert.priority = priority;
  advert.interval = config_->advert_int;
  advert.auth_type = rx_policy_.auth_type;
  advert.auth_data = rx_policy_.auth_data;
  advert.addresses = rx_policy_.vips;
  auto bytes = vrrp::encode(advert, src, dst, rx_policy_.v3_ipv4_checksum);
  if (it == advert_cache_.end()) {
    advert_cache_.push_back({version, priority, src, dst, std::move(bytes)});
    return advert_cache_.back().bytes;
  }
  *it = CachedAdvert{version, priority, src, dst, std::move(bytes)};
  return it->bytes;
}

// The primary interface, then every heartbeat path at the same moment (issue 11), the
// priority-0 advert included: a Master whose primary link is down resigns on its paths, so
// the Backup takes over after Skew_Time, not Master_Down_Interval.
void Instance::send_advert(Priority priority, MonoTime now) {
  // Faulted for want of a source or a link: a priority-0 advert could not leave anyway.
  if (source_ && link_usable_) {
    if (!config_->unicast()) {
      send_versions(priority, vrrp::multicast_group(config_->family()), now);
    } else {
      for (const auto& peer : config_->unicast_peers) send_versions(priority, peer.address, now);
    }
  }
  for (std::size_t path = 1; path < paths_.size(); ++path) {
    if (!paths_.usable(path)) continue;
    for (const auto& peer : paths_.config(path).peers) send_on_path(path, priority, peer, now);
  }
}

void Instance::send_on_path(std::size_t path, Priority priority, const IpAddress& dst,
                            MonoTime now) {
  const IpAddress src = *paths_.source(path);
  const std::string& dev = paths_.interface(path);
  const auto& message = advert_bytes(priority, src, dst, config_->version);
  Result<Ok> r = Ok{};
  if (paths_.authenticated()) {
    auto sealed = paths_.seal(message, src, dst);
    r = sealed ? ports_.send_advert(dev, config_->family(), *sealed, src, dst, dev)
               : Result<Ok>(fail(sealed.error()));
  } else {
    r = ports_.send_advert(dev, config_->family(), message, src, dst, dev);
  }
  if (r) {
    ++stats_.adverts_sent;
    ++paths_.stats(path).adverts_out;
  } else {
    ++stats_.send_errors;
    warn("sending advert to " + dst.to_string() + " on " + dev + ": " + r.error(), now);
  }
}

// IOP-2 (RFC 5798 / RFC 9568 §8.4.2): in v2_compat a Master "MUST send both types at the
// configured rate, even if sub-second": the v3 advert, then its v2 copy at the same moment (the
// v2 Adver Int field says whole seconds, v2_interval_seconds(); the rate is still ours). v3
// first, so a dual-mode Backup has the v3 advert when the copy arrives (mixed_versions.hpp).
// The heartbeat paths carry v3 only: only floatd listens there.
void Instance::send_versions(Priority priority, const IpAddress& dst, MonoTime now) {
  send_advert_to(priority, dst, now, config_->version);
  if (config_->v2_compat) send_advert_to(priority, dst, now, Version::kV2);
}

void Instance::send_advert_to(Priority priority, const IpAddress& dst, MonoTime now,
                              Version version) {
  const auto& message = advert_bytes(priority, *source_, dst, version);
  auto r = ports_.send_advert(out_device(), config_->family(), message, *source_, dst,
                              out_device());
  if (r) {
    ++stats_.adverts_sent;
    if (version != config_->version) ++stats_.v2_adverts_sent;
    ++paths_.stats(0).adverts_out;
  } else {
    ++stats_.send_errors;
    warn("sending advert to " + dst.to_string() + ": " + r.error(), now);
  }
}

void Instance::change_vips(bool add, MonoTime now) {
  for (const auto& vip : config::held_addresses(*config_)) {
    const std::string& dev = config::vip_device(*config_, vip);
    if (add) {
      add_vip(dev, vip, now);
    } else {
      remove_vip(dev, vip, now);
    }
  }
}

// A failed add is not retried here: the reconciler finds it missing and repairs it.
void Instance::add_vip(const std::string& dev, const config::VirtualIp& vip, MonoTime now) {
  if (auto r = ports_.add_address(dev, vip.prefix, vip.label); !r) warn(r.error(), now);
}

// A new Master's VIPs (issue 14), in one batch whose answers are read after it. RFC 5798
// §6.4.1 and §6.4.2 (SM-1, SM-5, L2-10) order the advert, then the gratuitous ARPs / NAs;
// adding the addresses to the kernel is not among their steps. When the old Master is gone
// (master_is_gone), the batch follows the announcements: rtnetlink applies each request inside
// the sendmsg that carries it, so an add before the GARP, acknowledged or not, delays the GARP
// by the kernel's work on it (tens of microseconds, more on a cold cache, per address). That
// is acceptable there: the GARP moves the neighbours' caches to our MAC and the batch follows
// within microseconds; a packet that came sooner was lost anyway (it went to the dead Master).
// Otherwise the old Master still answers, and the batch goes first (a planned handover loses
// nothing). An add the kernel refuses is reported here (a warning,
// vip_adds_failed, the kernel report's last_error), and the reconciler, run after every
// transition, tries it again on its backoff and lists it in status, events and metrics until
// it is in.
void Instance::add_vips(MonoTime now) {
  const auto held = config::held_addresses(*config_);
  std::vector<VipAdd> adds;
  adds.reserve(held.size());
  for (const auto& vip : held) {
    adds.push_back({config::vip_device(*config_, vip), vip.prefix, vip.label});
  }
  ports_.send_adds(adds);
  for (const auto& answer : ports_.collect_adds()) {
    if (answer) continue;
    ++stats_.vip_adds_failed;
    kernel_.last_error = answer.error();
    warn(answer.error(), now);
  }
}

// Only what floatd added goes (issue 10, defect 3): an equal address that someone else
// configured stays, and the log says so.
void Instance::remove_vip(const std::string& dev, const config::VirtualIp& vip, MonoTime now) {
  auto r = ports_.remove_address(dev, vip.prefix);
  if (!r) {
    warn(r.error(), now);
  } else if (*r == RemoveOutcome::kNotOurs) {
    warn("left " + vip.prefix.to_string() + " on " + dev + ": not added by floatd", now);
  }
}

// SM-1, SM-5, L2-10: one gratuitous ARP or unsolicited NA per VIP, `count` times.
void Instance::announce(int count, MonoTime now) {
  for (int i = 0; i < count; ++i) {
    for (const auto& vip : config::held_addresses(*config_)) {
      auto r = ports_.announce(config::vip_device(*config_, vip), vip.prefix.address);
      if (!r) warn(r.error(), now);
    }
  }
}

// L2-8, RFC 5798 §8.2.3: the Master advertises, nobody else. Becoming Master sends one at once
// (RFC 4861 §6.2.4); leaving Master (Backup, Fault, stop) sends a final one with Router
// Lifetime 0 (§6.2.5), so hosts move to the new Master's (the same address) without waiting.
void Instance::update_router_advert(MonoTime now) {
  if (!ra_) return;
  const bool master = machine_.state() == State::kMaster;
  if (master && !ra_->active()) {
    ra_->start(now);
    send_router_advert(false, now);
    ra_->sent(now);
  } else if (!master && ra_->active()) {
    send_router_advert(true, now);
    ra_->stop();
  }
}

void Instance::send_router_advert(bool final, MonoTime now) {
  // A down link (Fault) carries nothing: hosts age the router out by its lifetime instead.
  if (!config_->virtual_link_local || !link_usable_) return;
  auto r = ports_.send_router_advert(config::vmac_or_interface(*config_),
                                     router_advert(*config_, final), *config_->virtual_link_local);
  if (r) {
    ++stats_.router_adverts_sent;
  } else {
    ++stats_.send_errors;
    warn("sending Router Advertisement: " + r.error(), now);
  }
}

}  // namespace floatd::daemon
