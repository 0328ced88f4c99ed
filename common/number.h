#pragma once

// Strict decimal numbers from files, environment variables and protocol fields.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rkt {

/// `s` as an unsigned decimal number no greater than `max`: digits only, all of them (no sign,
/// space or suffix). Nothing when it is not one.
inline std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max = UINT64_MAX) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace rkt
