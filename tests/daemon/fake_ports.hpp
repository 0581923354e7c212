// A Ports that records every call, for instance tests.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/interface_table.hpp"
#include "daemon/ports.hpp"
#include "floatd/log.hpp"
#include "vrrp/packet.hpp"

namespace floatd::test {

struct SentAdvert {
  std::string interface;
  std::vector<std::uint8_t> message;
  IpAddress src;
  IpAddress dst;
  std::string out_dev;
};

class FakePorts final : public daemon::Ports {
 public:
  std::vector<SentAdvert> adverts;
  // "advert ...", "add eth0 10.0.0.100/24", "collect" (a batch's answers read), "remove ...",
  // "announce ...": in order.
  std::vector<std::string> calls;
  bool fail_sends = false;
  std::string fail_adds;              // non-empty: every add fails with this error
  std::set<std::string> refused;      // "eth0 10.0.0.1/24": the kernel refuses this add
  std::set<std::string> foreign;      // "eth0 10.0.0.1/24": there, and not floatd's

  Result<Ok> send_advert(const std::string& interface, Family, std::span<const std::uint8_t> message,
                         const IpAddress& src, const IpAddress& dst, const std::string& out_dev) override {
    calls.push_back("advert " + out_dev + " " + dst.to_string());
    if (fail_sends) return fail(std::string("Network is unreachable"));
    adverts.push_back({interface, {message.begin(), message.end()}, src, dst, out_dev});
    return Ok{};
  }
  Result<daemon::AddOutcome> add_address(const std::string& dev, const IpPrefix& vip,
                                         const std::string&) override {
    calls.push_back("add " + dev + " " + vip.to_string());
    if (!fail_adds.empty()) return fail(fail_adds);
    if (refused.count(dev + " " + vip.to_string()) != 0) {
      return fail("add " + vip.to_string() + " on " + dev + ": Cannot assign requested address");
    }
    if (foreign.count(dev + " " + vip.to_string()) != 0) return daemon::AddOutcome::kExisted;
    return daemon::AddOutcome::kCreated;
  }
  // Applied when sent, as the kernel does; the answers wait for collect_adds().
  void send_adds(std::span<const daemon::VipAdd> adds) override {
    for (const auto& a : adds) answers_.push_back(add_address(a.dev, a.vip, a.label));
  }
  std::vector<Result<daemon::AddOutcome>> collect_adds() override {
    calls.push_back("collect");
    return std::exchange(answers_, {});
  }
  // Like KernelPorts: an address that is not floatd's stays.
  Result<daemon::RemoveOutcome> remove_address(const std::string& dev, const IpPrefix& vip) override {
    calls.push_back("remove " + dev + " " + vip.to_string());
    if (foreign.count(dev + " " + vip.to_string()) != 0) return daemon::RemoveOutcome::kNotOurs;
    return daemon::RemoveOutcome::kRemoved;
  }
  Result<Ok> announce(const std::string& dev, const IpAddress& vip) override {
    calls.push_back("announce " + dev + " " + vip.to_string());
    return Ok{};
  }
  std::vector<net::RouterAdvert> router_adverts;  // in order; their devices in calls ("ra ...")
  Result<Ok> send_router_advert(const std::string& dev, const net::RouterAdvert& ra,
                                const IpAddress& src) override {
    calls.push_back("ra " + dev + " " + src.to_string() + " lifetime " +
                    std::to_string(ra.router_lifetime));
    router_adverts.push_back(ra);
    return Ok{};
  }
  int count(const std::string& prefix) const {
    int n = 0;
    for (const auto& c : calls) n += c.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  // Where the first call starting with `prefix` is in `calls`; -1: none.
  int first(const std::string& prefix) const {
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
    }
    return -1;
  }

 private:
  std::vector<Result<daemon::AddOutcome>> answers_;  // sent, not collected
};

// An interface as the table would see it: up with carrier (or neither), one address.
inline daemon::InterfaceInfo fake_interface(int ifindex, const char* name, const char* address,
                                            bool up = true) {
  daemon::InterfaceInfo i;
  i.link.ifindex = ifindex;
  i.link.name = name;
  i.link.admin_up = up;
  i.link.carrier = up;
  net::AddrState a;
  a.ifindex = ifindex;
  a.prefix = *IpPrefix::parse(address);
  i.addresses.push_back(a);
  return i;
}

class MemoryLog final : public Log {
 public:
  std::vector<std::string> lines;
  void write(LogLevel, std::string_view m) override { lines.emplace_back(m); }
  bool debug_enabled() const override { return true; }
};

}  // namespace floatd::test
