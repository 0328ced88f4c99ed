#include "spec/names.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

namespace rkt::spec {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// AC Name and AC Identifier: allowed characters only, starting and ending with [a-z0-9]. The
// spec's regular expressions also forbid two separators in a row, but its own examples
// ("example.com/~user/app_v1") have them, and so does the reference implementation: allowed.
std::string check_joined(std::string_view s, std::string_view separators, std::string_view what,
                         std::string_view allowed) {
  if (s.empty()) return std::string(what) + " cannot be empty";
  for (char c : s) {
    if (!is_lower_alnum(c) && separators.find(c) == std::string_view::npos) {
      return std::string(what) + " must contain only lower case alphanumeric characters plus " + std::string(allowed);
    }
  }
  if (!is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) {
    return std::string(what) + " must start and end with a lower case alphanumeric character";
  }
  return {};
}

bool parse_fixed_digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool valid_semver_identifiers(std::string_view s, bool numeric_no_leading_zero) {
  if (s.empty()) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(start, end - start);
    if (part.empty()) return false;
    bool all_digits = true;
    for (char c : part) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
      if (!is_digit(c)) all_digits = false;
    }
    if (numeric_no_leading_zero && all_digits && part.size() > 1 && part[0] == '0') return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string check_ac_name(std::string_view s) { return check_joined(s, "-", "ACName", "\"-\""); }

std::string check_ac_identifier(std::string_view s) {
  std::string msg = check_joined(s, "-._~/", "ACIdentifier", "\"-._~/\"");
  if (!msg.empty()) return msg;
  // Names become paths (trust store prefixes, discovery URLs): no empty, "." or ".." component.
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return "ACIdentifier must not have an empty, \".\" or \"..\" path component";
    }
    start = end + 1;
  }
  return {};
}

std::string check_semver(std::string_view s) {
  std::string_view core = s;
  std::string_view pre, build;
  if (size_t plus = core.find('+'); plus != std::string_view::npos) {
    build = core.substr(plus + 1);
    core = core.substr(0, plus);
    if (!valid_semver_identifiers(build, false)) return "bad build metadata in version \"" + std::string(s) + "\"";
  }
  if (size_t dash = core.find('-'); dash != std::string_view::npos) {
    pre = core.substr(dash + 1);
    core = core.substr(0, dash);
    if (!valid_semver_identifiers(pre, true)) return "bad pre-release in version \"" + std::string(s) + "\"";
  }
  std::array<uint64_t, 3> nums{};
  size_t idx = 0, start = 0;
  for (; idx < 3; ++idx) {
    size_t end = core.find('.', start);
    if (idx == 2) end = core.size();
    if (end == std::string_view::npos) break;
    std::string_view part = core.substr(start, end - start);
    if (part.empty() || part.size() > 18) break;
    if (part.size() > 1 && part[0] == '0') {
      return "version \"" + std::string(s) + "\" has a leading zero (SemVer 2.0.0)";
    }
    uint64_t v = 0;
    bool okay = true;
    for (char c : part) {
      if (!is_digit(c)) okay = false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!okay) break;
    nums[idx] = v;
    start = end + 1;
  }
  if (idx != 3) return "version \"" + std::string(s) + "\" is not MAJOR.MINOR.PATCH (SemVer 2.0.0)";
  if (nums[0] == 0 && nums[1] == 0 && nums[2] == 0 && pre.empty() && build.empty()) {
    return "version cannot be 0.0.0";
  }
  return {};
}

std::string check_image_id(std::string_view s) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos || s.find('-', dash + 1) != std::string_view::npos) {
    return "image ID \"" + std::string(s) + "\" is not of the form \"sha512-<hex>\"";
  }
  std::string_view type = s.substr(0, dash), val = s.substr(dash + 1);
  if (type != "sha512") return "image ID has unsupported hash type \"" + std::string(type) + "\" (only sha512)";
  if (val.empty()) return "image ID has an empty hash value";
  if (val.size() > 128) return "image ID hash value is longer than 128 hex digits";
  for (char c : val) {
    if (!is_hex(c)) return "image ID hash value \"" + std::string(val) + "\" is not hex";
  }
  return {};
}

std::string check_date(std::string_view s) {
  auto bad = [s] { return "bad date \"" + std::string(s) + "\": not RFC 3339 (YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm))"; };
  int year, month, day, hour, minute, second;
  if (s.size() < 20) return bad();
  if (!parse_fixed_digits(s, 0, 4, &year) || s[4] != '-' || !parse_fixed_digits(s, 5, 2, &month) || s[7] != '-' ||
      !parse_fixed_digits(s, 8, 2, &day) || s[10] != 'T' || !parse_fixed_digits(s, 11, 2, &hour) || s[13] != ':' ||
      !parse_fixed_digits(s, 14, 2, &minute) || s[16] != ':' || !parse_fixed_digits(s, 17, 2, &second)) {
    return bad();
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    size_t digits = 0;
    ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos, ++digits;
    if (digits == 0) return bad();
  }
  if (pos >= s.size()) return bad();
  if (s[pos] == 'Z') {
    if (pos + 1 != s.size()) return bad();
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (s.size() != pos + 6 || !parse_fixed_digits(s, pos + 1, 2, &oh) || s[pos + 3] != ':' ||
        !parse_fixed_digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
  } else {
    return bad();
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return "bad date \"" + std::string(s) + "\": month out of range";
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int mdays = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day < 1 || day > mdays) return "bad date \"" + std::string(s) + "\": day out of range";
  if (hour > 23 || minute > 59 || second > 59) return "bad date \"" + std::string(s) + "\": time out of range";
  return {};
}

std::string check_http_url(std::string_view s) {
  const std::string quoted = "\"" + std::string(s) + "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return "bad URL " + quoted + ": control character";
  }
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(s[0]))) {
    return "bad URL " + quoted + ": scheme must be http or https";
  }
  std::string scheme;
  for (char c : s.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return "bad URL " + quoted + ": scheme must be http or https";
    }
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (scheme != "http" && scheme != "https") return "bad URL " + quoted + ": scheme must be http or https";
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
        return "bad URL " + quoted + ": invalid percent escape";
      }
    }
  }
  std::string_view rest = s.substr(colon + 1);
  if (rest.substr(0, 2) == "//") {
    std::string_view authority = rest.substr(2);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    std::string_view host = authority, port;
    if (!authority.empty() && authority[0] == '[') {
      size_t close = authority.find(']');
      if (close == std::string_view::npos) return "bad URL " + quoted + ": missing ']' in host";
      std::string_view after = authority.substr(close + 1);
      if (!after.empty() && after[0] != ':') return "bad URL " + quoted + ": invalid port";
      port = after.empty() ? after : after.substr(1);
      host = {};
    } else if (size_t pc = authority.rfind(':'); pc != std::string_view::npos) {
      host = authority.substr(0, pc);
      port = authority.substr(pc + 1);
    }
    for (char c : port) {
      if (!is_digit(c)) return "bad URL " + quoted + ": invalid port";
    }
    for (char c : host) {
      bool okay = std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._~!$&'()*+,;=%", c) != nullptr;
      if (!okay) return "bad URL " + quoted + ": invalid character in host";
    }
  }
  return {};
}

std::string check_env_name(std::string_view s) {
  if (s.empty()) return "environment variable name must not be empty";
  auto head = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  bool okay = head(s[0]);
  for (size_t i = 1; okay && i < s.size(); ++i) {
    char c = s[i];
    okay = head(c) || is_digit(c) || c == '.' || c == '-';
  }
  if (!okay) return "environment variable name \"" + std::string(s) + "\" is not a valid identifier";
  return {};
}

std::string check_ip(std::string_view s) {
  std::string str(s);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, str.c_str(), buf) == 1 || ::inet_pton(AF_INET6, str.c_str(), buf) == 1) return {};
  return "\"" + str + "\" is not an IP address";
}

std::string check_os_arch(const std::optional<std::string>& os, const std::optional<std::string>& arch) {
  static const std::map<std::string, std::vector<std::string>> kValid = {
      {"linux", {"amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64", "ppc64le", "s390x"}},
      {"freebsd", {"amd64", "i386", "arm"}},
      {"darwin", {"x86_64", "i386"}},
  };
  if (!os) return {};
  auto it = kValid.find(*os);
  if (it == kValid.end()) return "bad os \"" + *os + "\" (must be one of: darwin, freebsd, linux)";
  if (!arch) return {};
  for (const auto& a : it->second) {
    if (a == *arch) return {};
  }
  std::string list;
  for (const auto& a : it->second) list += (list.empty() ? "" : ", ") + a;
  return "bad arch \"" + *arch + "\" for os \"" + *os + "\" (must be one of: " + list + ")";
}

std::optional<std::string> canonical_uuid(std::string_view s) {
  std::string hex;
  for (char c : s) {
    if (c == '-') continue;
    if (!is_hex(c)) return std::nullopt;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 32 || hex == std::string(32, '0')) return std::nullopt;
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

bool valid_utf8(std::string_view s) {
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;  // continuation bytes
    uint32_t cp;
    if (c < 0x80) {
      n = 0, cp = c;
    } else if ((c >> 5) == 0x6) {
      n = 1, cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      n = 2, cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace rkt::spec
