// A Ports that records every call, for instance tests.
#pragma once

#include <string>
#include <vector>

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
  std::vector<std::string> calls;  // "add eth0 10.0.0.100/24", "remove ...", "announce ..."
  bool fail_sends = false;

  Result<Ok> send_advert(const std::string& interface, Family, std::span<const std::uint8_t> message,
                         const IpAddress& src, const IpAddress& dst, const std::string& out_dev) override {
    if (fail_sends) return fail(std::string("Network is unreachable"));
    adverts.push_back({interface, {message.begin(), message.end()}, src, dst, out_dev});
    return Ok{};
  }
  Result<Ok> add_address(const std::string& dev, const IpPrefix& vip, const std::string&) override {
    calls.push_back("add " + dev + " " + vip.to_string());
    return Ok{};
  }
  Result<Ok> remove_address(const std::string& dev, const IpPrefix& vip) override {
    calls.push_back("remove " + dev + " " + vip.to_string());
    return Ok{};
  }
  Result<Ok> announce(const std::string& dev, const IpAddress& vip) override {
    calls.push_back("announce " + dev + " " + vip.to_string());
    return Ok{};
  }
  int count(const std::string& prefix) const {
    int n = 0;
    for (const auto& c : calls) n += c.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
};

class MemoryLog final : public Log {
 public:
  std::vector<std::string> lines;
  void write(LogLevel, std::string_view m) override { lines.emplace_back(m); }
  bool debug_enabled() const override { return true; }
};

}  // namespace floatd::test
