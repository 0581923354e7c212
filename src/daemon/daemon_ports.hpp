// The daemon's edge: every way the Daemon reaches the operating system, one small interface
// each, handed to it at construction (STYLE.md, "The daemon layer"). system_ports.hpp has the
// real ones over src/net; tests/daemon/fake_system.hpp has fakes that keep the kernel's state
// in memory, so unit tests drive the whole Daemon (start, elections, reload, sync groups,
// netlink overruns, shutdown) with a fake clock and no privileges.
//
// Each port that produces input exposes a descriptor that is readable when it has some: the
// Daemon watches it on its libev loop, the real one is a socket or timerfd, a fake one a pipe.
//
// Scripts are started through a ProcessLauncher (process_ports.hpp): tests pass the real one
// (spawn_launcher.hpp) to run real /bin/sh scripts. Not behind a port yet: the pid file, and
// the process-wide knobs of scheduling.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "floatd/time.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/process_ports.hpp"
#include "net/kernel.hpp"  // AddOutcome
#include "net/netlink_events.hpp"
#include "net/sysctl.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/vmac.hpp"

namespace floatd::daemon {

// Changes floatd makes to the kernel's network state (net::Kernel, net/sysctl.hpp).
class KernelWriter {
 public:
  virtual ~KernelWriter() = default;
  // Adds a VIP marked as floatd's (IFA_PROTO). An address already there is left as it is (not
  // re-marked, so not ours) and is kExisted, not an error.
  virtual Result<net::AddOutcome> add_address(int ifindex, const IpPrefix& vip,
                                              const std::string& label) = 0;
  // A transition's adds, batched (net::Kernel::send_adds): sent without waiting for the
  // kernel's answers, which collect_adds() returns, one per request and in order, as
  // add_address() would have.
  virtual void send_adds(std::span<const net::AddRequest> adds) = 0;
  virtual std::vector<Result<net::AddOutcome>> collect_adds() = 0;
  // Removing an address that is already gone is not an error.
  virtual Result<Ok> remove_address(int ifindex, const IpPrefix& vip) = 0;
  // A private macvlan with `mac` on the parent, up; returns its ifindex.
  virtual Result<int> create_vmac(int parent_ifindex, const std::string& name,
                                  const vrrp::MacAddress& mac) = 0;
  virtual Result<Ok> delete_link(int ifindex) = 0;
  // keepalived's sysctls for a VMAC; returns what changed, to restore at exit (last first).
  virtual Result<std::vector<net::SysctlChange>> prepare_vmac_sysctls(const std::string& parent,
                                                                      const std::string& vmac) = 0;
  // RFC 9568 §6.4.3 (L2-7): net.ipv6.conf.<vmac>.forwarding=1 on an IPv6 VMAC floatd made, so
  // that the kernel answers NS for the VIPs with the Router flag; never on another interface.
  virtual Result<std::vector<net::SysctlChange>> make_vmac_ipv6_router(const std::string& vmac) = 0;
  virtual void restore_sysctls(const std::vector<net::SysctlChange>& changes) = 0;
};

// Links and addresses as the kernel reports them (net::LinkMonitor).
class KernelReader {
 public:
  struct Batch {
    std::vector<net::NetlinkEvent> events;
    bool overrun = false;  // events were lost (ENOBUFS): the caller dumps everything again
  };
  virtual ~KernelReader() = default;
  virtual int fd() const = 0;  // readable when read() has something
  virtual Result<std::vector<net::NetlinkEvent>> dump() = 0;
  virtual Result<Batch> read() = 0;
};

// One VRRP socket: a (device, family) pair (net::VrrpSocket).
class AdvertSocket {
 public:
  struct Received {
    // The VRRP message, in the socket's storage (valid until its next receive()); empty if
    // the IP header was bad.
    std::span<const std::uint8_t> message;
    vrrp::PacketInfo info;
    // When the kernel received it, on the monotonic clock (the Clock port's); nullopt: unknown.
    std::optional<MonoTime> arrived;
  };
  virtual ~AdvertSocket() = default;
  virtual int fd() const = 0;  // readable when receive() has something
  virtual int ifindex() const = 0;
  virtual Result<Ok> send(std::span<const std::uint8_t> message, const IpAddress& src,
                          const IpAddress& dst, int out_ifindex) = 0;
  // Up to `max` packets queued now, without blocking, in storage the socket owns and reuses
  // (valid until the next call: the steady state allocates nothing, issue 14). Fewer than
  // `max` means nothing more was queued.
  virtual Result<std::span<const Received>> receive(std::size_t max) = 0;
  virtual void forget_interface(int out_ifindex) = 0;  // a VMAC it sent from was deleted
};

class AdvertTransport {
 public:
  virtual ~AdvertTransport() = default;
  virtual Result<std::unique_ptr<AdvertSocket>> open(Family family, int ifindex,
                                                     const std::string& device) = 0;
};

// Gratuitous ARP and unsolicited NA (net::Announcer).
class FrameSender {
 public:
  virtual ~FrameSender() = default;
  virtual Result<Ok> send_garp(int ifindex, vrrp::MacAddress mac, const IpAddress& vip) = 0;
  virtual Result<Ok> send_na(int ifindex, vrrp::MacAddress mac, const IpAddress& src_ll,
                             const IpAddress& vip, bool router) = 0;
  // A whole Ethernet frame built by the caller (a Router Advertisement, L2-8); `what` names it
  // in errors.
  virtual Result<Ok> send_frame(int ifindex, std::span<const std::uint8_t> frame,
                                const std::string& what) = 0;
};

// Router Solicitations (RFC 4861 §6.2.6) heard on the devices of send_ra instances: one raw
// ICMPv6 socket for the daemon that passes only type 133 (net::SolicitationSocket).
class SolicitationSocket {
 public:
  struct Heard {
    int ifindex = 0;
    IpAddress src;
  };
  virtual ~SolicitationSocket() = default;
  virtual int fd() const = 0;  // readable when receive() has something
  // Joins ff02::2 (all-routers) on `ifindex`, where hosts send their solicitations.
  virtual Result<Ok> join(int ifindex) = 0;
  // Valid solicitations only (RFC 4861 §6.1.1); invalid ones are dropped and counted.
  virtual Result<std::vector<Heard>> receive(std::size_t max) = 0;
};

// One wake-up at an absolute time on the monotonic clock (a timerfd).
class WakeTimer {
 public:
  virtual ~WakeTimer() = default;
  virtual int fd() const = 0;  // readable once the time has come
  virtual Result<Ok> arm(std::optional<MonoTime> at) = 0;  // nullopt: disarm
  virtual void acknowledge() = 0;  // after it fired: makes fd() unreadable again
  // How early to wake for a takeover deadline: the rest is waited out on the clock while the
  // VRRP sockets are watched, so the kernel's wake-up latency is not added to a takeover.
  virtual Microseconds takeover_lead() const = 0;
};

// The control socket's listening end (control_socket.hpp over a unix socket). What it
// accepts is a connected stream descriptor that ControlServer reads framed requests from and
// writes responses and events to; the listener knows nothing of the protocol.
class ControlListener {
 public:
  virtual ~ControlListener() = default;  // stops listening (the socket file goes too)
  virtual int fd() const = 0;  // readable when a connection waits
  // The next waiting connection: a connected stream descriptor the caller owns, or -1 when
  // none waits (or on an error, which the next readiness shows again).
  virtual int accept() = 0;
};

class ControlTransport {
 public:
  virtual ~ControlTransport() = default;
  // Listens at `path`, replacing a stale socket file: mode 0600, or 0660 owned by `group` so
  // that its members may use floatctl (control_group). Errors name the path.
  virtual Result<std::unique_ptr<ControlListener>> listen(const std::string& path,
                                                          const std::string& group) = 0;
};

struct DaemonPorts {
  const Clock& clock;  // the only source of `now`
  KernelWriter& kernel;
  KernelReader& monitor;
  AdvertTransport& vrrp;
  FrameSender& frames;
  SolicitationSocket& solicitations;
  WakeTimer& timer;
  ControlTransport& control;
  ProcessLauncher& processes;  // scripts: spawn, wait, signal their process groups
  ConfigLoader& loader;        // reloads: the config is loaded and checked off the loop
};

}  // namespace floatd::daemon
