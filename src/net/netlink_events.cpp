#include "net/netlink_events.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>

#include "net/interface_name.hpp"
#include "net/netlink_message.hpp"

namespace floatd::net {
namespace {

// The attribute area of one message: from `offset` bytes past the netlink header to the end
// of the message as nlmsg_len says (not libmnl's aligned tail, which may lie past the buffer).
struct AttrArea {
  const nlattr* first;
  const char* end;
};

AttrArea attr_area(const nlmsghdr* nlh, std::size_t family_header_size) {
  const auto* base = reinterpret_cast<const char*>(nlh);
  return {static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, family_header_size)),
          base + nlh->nlmsg_len};
}

// Calls f(attr) for each attribute; false when an attribute's length is bad or does not fit,
// or when bytes are left over that no attribute covers.
template <typename F>
bool for_each_attr(const AttrArea& area, F&& f) {
  const nlattr* attr = area.first;
  auto left = [&] { return static_cast<int>(area.end - reinterpret_cast<const char*>(attr)); };
  while (mnl_attr_ok(attr, left())) {
    if (!f(attr)) return false;
    attr = mnl_attr_next(attr);
  }
  return left() <= 0;  // < 0: the last attribute's padding was cut, which is harmless
}

std::span<const std::uint8_t> payload(const nlattr* attr) {
  return {static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr)),
          mnl_attr_get_payload_len(attr)};
}

std::optional<std::uint8_t> get_u8(const nlattr* attr) {
  if (mnl_attr_get_payload_len(attr) != sizeof(std::uint8_t)) return std::nullopt;
  return mnl_attr_get_u8(attr);
}

std::optional<std::uint32_t> get_u32(const nlattr* attr) {
  if (mnl_attr_get_payload_len(attr) != sizeof(std::uint32_t)) return std::nullopt;
  return mnl_attr_get_u32(attr);
}

// A NUL-terminated string attribute of at most max_len characters.
std::optional<std::string> get_string(const nlattr* attr, std::size_t max_len) {
  auto bytes = payload(attr);
  auto nul = std::find(bytes.begin(), bytes.end(), std::uint8_t{0});
  if (nul == bytes.end() || static_cast<std::size_t>(nul - bytes.begin()) > max_len) {
    return std::nullopt;
  }
  return std::string(bytes.begin(), nul);
}

std::optional<LinkState> parse_link(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifinfomsg)) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkState link;
  link.ifindex = ifi->ifi_index;
  link.admin_up = (ifi->ifi_flags & IFF_UP) != 0;
  link.carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
  link.deleted = nlh->nlmsg_type == RTM_DELLINK;
  bool other_netns = false;
  bool ok = for_each_attr(attr_area(nlh, sizeof(ifinfomsg)), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case IFLA_IFNAME: {
        auto name = get_string(attr, IFNAMSIZ - 1);
        if (name) link.name = kernel_name(std::move(*name));  // outside text: made safe here
        return name.has_value();
      }
      case IFLA_CARRIER: {
        auto carrier = get_u8(attr);
        if (carrier) link.carrier = *carrier != 0;
        return carrier.has_value();
      }
      case IFLA_ADDRESS:
        if (payload(attr).size() == link.mac.size()) {
          std::copy_n(payload(attr).begin(), link.mac.size(), link.mac.begin());
        }
        return true;  // other lengths are other link types (tunnels), not errors
      case IFLA_LINK: {
        auto parent = get_u32(attr);
        if (parent) link.parent_ifindex = static_cast<int>(*parent);
        return parent.has_value();
      }
      case IFLA_LINK_NETNSID:
        other_netns = true;
        return true;
      case IFLA_IFALIAS:  // any text an admin gave; only compared, never kept
        link.floatd_vmac = get_string(attr, 256) == std::string(kVmacAlias);
        return true;
      default:
        return true;
    }
  });
  if (!ok || link.ifindex <= 0 || link.name.empty()) return std::nullopt;
  if (other_netns) link.parent_ifindex = 0;  // IFLA_LINK names a link in another namespace
  return link;
}

// Fills the address from IFA_LOCAL (preferred) or IFA_ADDRESS; false if the length is wrong.
bool take_address(const nlattr* attr, int family, std::optional<IpAddress>& out) {
  auto bytes = payload(attr);
  std::size_t want = family == AF_INET ? 4 : 16;
  if (bytes.size() != want) return false;
  if (!out || mnl_attr_get_type(attr) == IFA_LOCAL) out = IpAddress::from_bytes(bytes);
  return true;
}

std::optional<AddrState> parse_addr(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifaddrmsg)) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  AddrState addr;
  addr.ifindex = static_cast<int>(ifa->ifa_index);
  addr.flags = ifa->ifa_flags;
  addr.deleted = nlh->nlmsg_type == RTM_DELADDR;
  std::optional<IpAddress> local;
  bool ok = for_each_attr(attr_area(nlh, sizeof(ifaddrmsg)), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case IFA_ADDRESS:
      case IFA_LOCAL:
        return take_address(attr, ifa->ifa_family, local);
      case IFA_LABEL: {
        auto label = get_string(attr, IFNAMSIZ - 1);
        if (label) addr.label = kernel_name(std::move(*label));
        return label.has_value();
      }
      case IFA_FLAGS: {
        auto flags = get_u32(attr);
        if (flags) addr.flags = *flags;
        return flags.has_value();
      }
      case IFA_PROTO: {
        auto proto = get_u8(attr);
        if (proto) addr.proto = *proto;
        return proto.has_value();
      }
      default:
        return true;
    }
  });
  int max_len = ifa->ifa_family == AF_INET ? 32 : 128;
  if (!ok || !local || addr.ifindex <= 0 || ifa->ifa_prefixlen > max_len) return std::nullopt;
  addr.prefix = IpPrefix{*local, ifa->ifa_prefixlen};
  return addr;
}

bool is_link_message(const nlmsghdr* nlh) {
  return nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK;
}

bool is_addr_message(const nlmsghdr* nlh) {
  return nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR;
}

// The family byte both ifinfomsg and ifaddrmsg start with, or -1 if the payload is empty.
int family_of(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < 1) return -1;
  return *static_cast<const std::uint8_t*>(mnl_nlmsg_get_payload(nlh));
}

void parse_one(const nlmsghdr* nlh, ParseResult& result) {
  if (nlh->nlmsg_type == NLMSG_DONE) {
    result.done = true;
    return;
  }
  int family = family_of(nlh);
  if (is_link_message(nlh)) {
    // AF_BRIDGE: a bridge port event; AF_INET6: per-family link info. Neither is the link.
    if (family != -1 && family != AF_UNSPEC) return;
    auto link = parse_link(nlh);
    if (link)
      result.events.emplace_back(std::move(*link));
    else
      ++result.malformed;
  } else if (is_addr_message(nlh)) {
    if (family != -1 && family != AF_INET && family != AF_INET6) return;
    auto addr = parse_addr(nlh);
    if (addr)
      result.events.emplace_back(std::move(*addr));
    else
      ++result.malformed;
  }
}

}  // namespace

ParseResult parse_netlink(std::span<const std::uint8_t> buffer) {
  ParseResult result;
  // Netlink structures need 4-byte alignment; a buffer that lacks it is copied first.
  std::vector<std::uint32_t> aligned;
  const void* data = buffer.data();
  if (!buffer.empty() && reinterpret_cast<std::uintptr_t>(data) % alignof(nlmsghdr) != 0) {
    aligned.resize((buffer.size() + 3) / 4);
    std::memcpy(aligned.data(), buffer.data(), buffer.size());
    data = aligned.data();
  }
  int left = static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX));
  const auto* nlh = static_cast<const nlmsghdr*>(data);
  while (message_fits(nlh, left)) {
    parse_one(nlh, result);
    nlh = mnl_nlmsg_next(nlh, &left);
  }
  if (left > 0) ++result.malformed;  // a header that does not fit: nothing after it can be read
  return result;
}

}  // namespace floatd::net
