#pragma once

// Resource quantities as the resource/* isolators write them (the Kubernetes quantity syntax):
// "500m", "1.5", "128Mi", "1G", "1e3".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rkt::spec {

struct Quantity {
  std::string text;       ///< as written in the manifest
  long double value = 0;  ///< in base units (bytes, cores)

  /// Rounded up to a whole base unit (e.g. bytes).
  int64_t ceil_value() const;
  /// In thousandths of a base unit, rounded up (e.g. millicores).
  int64_t ceil_milli_value() const;
};

/// Parses a quantity; on failure returns nullopt and sets *error.
std::optional<Quantity> parse_quantity(std::string_view s, std::string* error);

}  // namespace rkt::spec
