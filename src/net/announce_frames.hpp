// The Ethernet frames a new Master sends for its virtual addresses (rfc-checklist L2-10, SM-1,
// SM-5): one gratuitous ARP per IPv4 VIP and one unsolicited Neighbor Advertisement per IPv6
// VIP, both from the virtual MAC so that switches learn where it now lives.
//
// Pure builders over bytes, no sockets: the announcer (announcer.hpp) puts them on the wire.
// Layouts follow FRR vrrpd (vrrp_arp.c, vrrp_ndisc.c) and keepalived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "floatd/ip_address.hpp"
#include "vrrp/vmac.hpp"

namespace floatd::net {

using vrrp::MacAddress;

inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::size_t kGarpFrameSize = 14 + 28;         // Ethernet + ARP (RFC 826)
inline constexpr std::size_t kNaFrameSize = 14 + 40 + 24 + 8;  // Ethernet + IPv6 + NA + TLLA

// The ARP Announcement of RFC 5227 §2.3 (request form): broadcast, op 1 (request), sender HW =
// src_mac, sender IP = target IP = vip, target HW zero. Empty when vip is not IPv4.
std::vector<std::uint8_t> gratuitous_arp(MacAddress src_mac, const IpAddress& vip);

// RFC 4861 §4.4, §7.2.6: Ethernet 33:33:00:00:00:01, IPv6 src_ip -> ff02::1 with hop limit
// 255, ICMPv6 type 136 with S=0, O=1, R=router, target = vip, a Target Link-Layer Address
// option carrying src_mac, checksum filled in. Empty when src_ip or vip is not IPv6.
std::vector<std::uint8_t> unsolicited_na(MacAddress src_mac, const IpAddress& src_ip,
                                         const IpAddress& vip, bool router);

}  // namespace floatd::net
