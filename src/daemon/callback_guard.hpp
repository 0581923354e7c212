// Every callback from C (libev, and through it the whole daemon) is an exception boundary:
// guarded() runs the C++ work, and an exception that escapes it is logged and stops there,
// never unwinding into libev (which would terminate floatd: a Master dying without resigning).
// The caller then puts its own state back into a consistent shape (`recover`), for example by
// re-deriving timer deadlines from the instances.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "floatd/log.hpp"

namespace floatd::daemon {

// Runs work(); on an exception logs "<where>: <what>" at error and then runs recover(), itself
// guarded. Never throws.
template <typename Work, typename Recover>
void guarded(Log& log, std::string_view where, Work&& work, Recover&& recover) noexcept {
  const auto report = [&](const char* what) noexcept {
    try {
      log.error(std::string(where) + ": internal error: " + what);
    } catch (...) {  // logging itself failed (no memory): nothing more can be said
    }
  };
  try {
    work();
    return;
  } catch (const std::exception& e) {
    report(e.what());
  } catch (...) {
    report("unknown exception");
  }
  try {
    recover();
  } catch (const std::exception& e) {
    report(e.what());
  } catch (...) {
    report("unknown exception while recovering");
  }
}

template <typename Work>
void guarded(Log& log, std::string_view where, Work&& work) noexcept {
  guarded(log, where, std::forward<Work>(work), [] {});
}

}  // namespace floatd::daemon
