// Ports over the real kernel: raw VRRP sockets, libnl address changes, AF_PACKET GARP/NA.
// Device names are resolved through the interface table at call time. The address ledger
// (address_ledger.hpp) is kept here, at the one place that adds and removes addresses.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "daemon/address_ledger.hpp"
#include "daemon/daemon_ports.hpp"
#include "daemon/interface_table.hpp"
#include "daemon/ports.hpp"

namespace floatd::daemon {

class KernelPorts final : public Ports {
 public:
  using SocketFinder = std::function<AdvertSocket*(const std::string& interface, Family)>;

  KernelPorts(const InterfaceTable& table, KernelWriter& kernel, FrameSender& announcer,
              SocketFinder sockets)
      : table_(table), kernel_(kernel), announcer_(announcer), sockets_(std::move(sockets)) {}

  Result<Ok> send_advert(const std::string& socket_dev, Family family,
                         std::span<const std::uint8_t> message, const IpAddress& src,
                         const IpAddress& dst, const std::string& out_dev) override;
  Result<AddOutcome> add_address(const std::string& dev, const IpPrefix& vip,
                                 const std::string& label) override;
  void send_adds(std::span<const VipAdd> adds) override;
  std::vector<Result<AddOutcome>> collect_adds() override;
  Result<RemoveOutcome> remove_address(const std::string& dev, const IpPrefix& vip) override;
  Result<Ok> announce(const std::string& dev, const IpAddress& vip) override;
  Result<Ok> send_router_advert(const std::string& dev, const net::RouterAdvert& ra,
                                const IpAddress& src) override;

  AddressLedger& ledger() { return ledger_; }

 private:
  const InterfaceTable& table_;
  KernelWriter& kernel_;
  FrameSender& announcer_;
  SocketFinder sockets_;
  AddressLedger ledger_;
  // The batched adds collect_adds() has not answered yet: ifindex and address for the ledger,
  // or the error that kept one from the kernel (its interface does not exist).
  struct SentAdd {
    int ifindex = 0;
    IpAddress address;
    std::optional<std::string> error;
  };
  std::vector<SentAdd> sent_;
};

}  // namespace floatd::daemon
