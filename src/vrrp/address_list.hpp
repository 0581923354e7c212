// AddressList: the IPvX Address(es) of one advert (RFC 5798 §5.2.9, RFC 3768 §5.3.9) in
// storage of its own. Count IPvX Addr is one octet, so an advert carries at most 255
// addresses: the list holds that many inline and never touches the heap, whatever the count.
// decode() fills one per received packet, so the receive path allocates nothing (issue 14).
//
// Only the addresses in use are constructed, copied and compared: a list of two costs two,
// not 255. Addresses beyond kMaxAddresses are not kept (no packet could carry them; encode()
// writes at most that many too).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <span>
#include <vector>

#include "floatd/ip_address.hpp"

namespace floatd::vrrp {

class AddressList {
 public:
  static constexpr std::size_t kMaxAddresses = 255;  // Count IPvX Addr: one octet

  AddressList() {}  // NOLINT: the storage is left unconstructed on purpose
  AddressList(std::initializer_list<IpAddress> list) { assign(list.begin(), list.end()); }
  AddressList(const std::vector<IpAddress>& list) {  // NOLINT: implicit, as a vector was
    assign(list.begin(), list.end());
  }
  AddressList(const AddressList& other) { assign(other.begin(), other.end()); }
  AddressList& operator=(const AddressList& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  // False, and nothing kept, when the list is full.
  bool push_back(const IpAddress& a) {
    if (size_ == kMaxAddresses) return false;
    new (&items_[size_++]) IpAddress(a);
    return true;
  }

  const IpAddress& operator[](std::size_t i) const { return items_[i]; }
  IpAddress& operator[](std::size_t i) { return items_[i]; }
  const IpAddress& front() const { return items_[0]; }
  const IpAddress* begin() const { return items_; }
  const IpAddress* end() const { return items_ + size_; }
  std::span<const IpAddress> span() const { return {items_, size_}; }

  // In place, element by element: the same addresses in the same order.
  friend bool operator==(const AddressList& a, const AddressList& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const AddressList& a, const std::vector<IpAddress>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  template <typename It>
  void assign(It first, It last) {
    size_ = 0;
    for (; first != last && push_back(*first); ++first) {
    }
  }

  std::uint16_t size_ = 0;
  union {  // IpAddress is trivially copyable and destructible: no destructor to run
    IpAddress items_[kMaxAddresses];
  };
};

}  // namespace floatd::vrrp
