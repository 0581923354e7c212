// The ports through which an Instance acts on the world. KernelPorts (kernel_ports.hpp)
// implements them over src/net; unit tests implement them with a recording fake.
//
// Devices are named, not numbered: the implementation resolves names with the interface
// table, so an interface that is re-created with a new index keeps working.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "net/kernel.hpp"
#include "net/router_advert_frame.hpp"

namespace floatd::daemon {

using net::AddOutcome;  // kCreated, or kExisted: found there and left as it was

// What a remove did. floatd removes only the addresses it added (its IFA_PROTO mark or its
// record of the add, address_ledger.hpp): an address equal to a VIP that someone else
// configured is left where it is (issue 10, defect 3).
enum class RemoveOutcome : std::uint8_t { kRemoved, kAbsent, kNotOurs };

// One VIP of a batched add (Ports::send_adds).
struct VipAdd {
  std::string dev;
  IpPrefix vip;
  std::string label;
};

class Ports {
 public:
  virtual ~Ports() = default;

  // Sends a VRRP message on the socket of `socket_dev` (the instance's interface, or its
  // VMAC) for `family`, out of `out_dev` (so the frame carries the virtual MAC: PKT-10).
  virtual Result<Ok> send_advert(const std::string& socket_dev, Family family,
                                 std::span<const std::uint8_t> message, const IpAddress& src,
                                 const IpAddress& dst, const std::string& out_dev) = 0;
  virtual Result<AddOutcome> add_address(const std::string& dev, const IpPrefix& vip,
                                         const std::string& label) = 0;
  // The VIPs of a transition, added together (issue 14): send_adds() hands every add to the
  // kernel at once and waits for no answer; collect_adds() returns the answers of the adds
  // sent since its last call, one per add and in order, as add_address() would have.
  virtual void send_adds(std::span<const VipAdd> adds) = 0;
  virtual std::vector<Result<AddOutcome>> collect_adds() = 0;
  virtual Result<RemoveOutcome> remove_address(const std::string& dev, const IpPrefix& vip) = 0;
  // One gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `vip`, from `dev`'s MAC (L2-10).
  virtual Result<Ok> announce(const std::string& dev, const IpAddress& vip) = 0;
  // One Router Advertisement to ff02::1 from `src` (the virtual link-local) out of `dev`, from
  // `dev`'s MAC (the virtual MAC on a VMAC), which also goes in its Source Link-Layer Address
  // option (L2-8, RFC 5798 §8.2.3).
  virtual Result<Ok> send_router_advert(const std::string& dev, const net::RouterAdvert& ra,
                                        const IpAddress& src) = 0;
};

}  // namespace floatd::daemon
