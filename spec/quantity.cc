#include "spec/quantity.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace rkt::spec {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int64_t ceil_clamped(long double v) {
  long double c = std::ceil(v);
  if (c >= static_cast<long double>(std::numeric_limits<int64_t>::max())) return std::numeric_limits<int64_t>::max();
  if (c <= static_cast<long double>(std::numeric_limits<int64_t>::min())) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(c);
}

}  // namespace

int64_t Quantity::ceil_value() const { return ceil_clamped(value); }
int64_t Quantity::ceil_milli_value() const { return ceil_clamped(value * 1000); }

std::optional<Quantity> parse_quantity(std::string_view s, std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<Quantity> {
    *error = "bad quantity \"" + std::string(s) + "\": " + std::move(msg);
    return std::nullopt;
  };
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) negative = s[pos++] == '-';
  size_t int_start = pos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  std::string_view int_part = s.substr(int_start, pos - int_start);
  std::string_view frac_part;
  if (pos < s.size() && s[pos] == '.') {
    size_t frac_start = ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    frac_part = s.substr(frac_start, pos - frac_start);
  }
  if (int_part.empty() && frac_part.empty()) return fail("no number");
  std::string_view suffix = s.substr(pos);

  long double mantissa = 0;
  for (char c : int_part) mantissa = mantissa * 10 + (c - '0');
  long double scale = 0.1L;
  for (char c : frac_part) {
    mantissa += (c - '0') * scale;
    scale /= 10;
  }

  // The suffixes appc's text lists (ace.md, Resource Isolators): none, the metric E, P, T, G,
  // M, K, the binary Ei ... Ki, and milli-units (m); also k, which rkt's quantities (Kubernetes')
  // took for K, kept for rkt's users. No exponents, no n or u: the text has none.
  long double factor = 1;
  static constexpr std::pair<std::string_view, long double> kSuffixes[] = {
      {"", 1},         {"m", 1e-3L},    {"K", 1e3L},     {"k", 1e3L},     {"M", 1e6L},
      {"G", 1e9L},     {"T", 1e12L},    {"P", 1e15L},    {"E", 1e18L},    {"Ki", 0x1p10L},
      {"Mi", 0x1p20L}, {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L},
  };
  bool found = false;
  for (const auto& [name, f] : kSuffixes) {
    if (suffix == name) {
      factor = f;
      found = true;
      break;
    }
  }
  if (!found) return fail("unknown suffix (the spec's are E, P, T, G, M, K, Ei, Pi, Ti, Gi, Mi, Ki and m)");
  Quantity q;
  q.text = std::string(s);
  q.value = (negative ? -mantissa : mantissa) * factor;
  if (!std::isfinite(q.value)) return fail("out of range");
  return q;
}

}  // namespace rkt::spec
