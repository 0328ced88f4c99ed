#include "common/duration.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/fs.h"

namespace rkt {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

int64_t ctime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
}

Result<int64_t> parse_duration(const std::string& s) {
  // Go's time.ParseDuration, which rkt's duration flags use, without the sign: each element is
  // digits, an optional fraction and a unit, in integer nanoseconds, and overflow is an error.
  auto bad = [&] { return Error(Errc::Usage, "invalid duration " + quote(s) + " (e.g. 30m, 1h30m, 24h, 0)"); };
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad();
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  uint64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    uint64_t whole = 0;
    size_t start = i;
    for (; i < s.size() && digit(s[i]); ++i) {
      if (whole > (kLimit - 1) / 10) return bad();
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kLimit) return bad();
    }
    bool has_whole = i > start;
    uint64_t fraction = 0;
    double fraction_scale = 1;
    bool has_fraction = false;
    if (i < s.size() && s[i] == '.') {
      bool overflowed = false;
      for (++i; i < s.size() && digit(s[i]); ++i) {
        has_fraction = true;
        if (overflowed) continue;
        if (fraction > (kLimit - 1) / 10) {
          overflowed = true;  // Go drops the digits that no longer fit
          continue;
        }
        uint64_t next = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
        if (next > kLimit) {
          overflowed = true;
          continue;
        }
        fraction = next;
        fraction_scale *= 10;
      }
    }
    if (!has_whole && !has_fraction) return bad();
    size_t ustart = i;
    while (i < s.size() && !digit(s[i]) && s[i] != '.') ++i;
    std::string unit = s.substr(ustart, i - ustart);
    uint64_t scale;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") {
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1000000;
    } else if (unit == "s") {
      scale = 1000000000;
    } else if (unit == "m") {
      scale = 60ULL * 1000000000;
    } else if (unit == "h") {
      scale = 3600ULL * 1000000000;
    } else {
      return bad();
    }
    if (whole > kLimit / scale) return bad();
    uint64_t v = whole * scale;
    if (fraction > 0) {
      v += static_cast<uint64_t>(static_cast<double>(fraction) * (static_cast<double>(scale) / fraction_scale));
      if (v > kLimit) return bad();
    }
    total += v;
    if (total > kLimit - 1) return bad();
  }
  return static_cast<int64_t>(total);
}

std::string humanize_since(int64_t then_ns, int64_t now_ns) {
  // go-humanize's Time, as rkt vendored it: whole Unix seconds of each time, then the first
  // magnitude above the difference.
  constexpr int64_t kMinute = 60, kHour = 60 * kMinute, kDay = 24 * kHour, kWeek = 7 * kDay, kMonth = 30 * kDay,
                    kYear = 12 * kMonth, kLongTime = 37 * kYear;
  struct Magnitude {
    int64_t d;
    const char* format;  ///< "%d" is the difference divided by divby
    int64_t divby;
  };
  static const Magnitude kMagnitudes[] = {
      {1, "now", 1},
      {2, "1 second", 1},
      {kMinute, "%d seconds", 1},
      {2 * kMinute, "1 minute", 1},
      {kHour, "%d minutes", kMinute},
      {2 * kHour, "1 hour", 1},
      {kDay, "%d hours", kHour},
      {2 * kDay, "1 day", 1},
      {kWeek, "%d days", kDay},
      {2 * kWeek, "1 week", 1},
      {kMonth, "%d weeks", kWeek},
      {2 * kMonth, "1 month", 1},
      {kYear, "%d months", kMonth},
      {18 * kMonth, "1 year", 1},
      {2 * kYear, "2 years", 1},
      {kLongTime, "%d years", kYear},
      {INT64_MAX, "a long while", 1},
  };
  auto unix_secs = [](int64_t ns) { return ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000); };
  int64_t diff = unix_secs(now_ns) - unix_secs(then_ns);
  const char* label = "ago";
  if (then_ns > now_ns) {
    diff = -diff;
    label = "from now";
  }
  for (const auto& m : kMagnitudes) {
    if (m.d <= diff) continue;
    std::string f = m.format;
    if (f == "now") return f;
    size_t d = f.find("%d");
    if (d != std::string::npos) f.replace(d, 2, std::to_string(diff / m.divby));
    return f + " " + label;
  }
  return "a long while ago";
}

std::string format_time(int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1000000000);
  struct tm tm {};
  ::localtime_r(&secs, &tm);
  char base[64], zone[16], off[8];
  std::strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
  std::strftime(off, sizeof off, "%z", &tm);
  std::strftime(zone, sizeof zone, "%Z", &tm);
  std::string ms = std::to_string((ns / 1000000) % 1000);
  while (ms.size() < 3) ms = "0" + ms;
  while (!ms.empty() && ms.back() == '0') ms.pop_back();
  return std::string(base) + (ms.empty() ? "" : "." + ms) + " " + off + " " + zone;
}

std::string humanize_bytes(uint64_t bytes) {
  // go-humanize's IBytes: "512B", "1.5KiB", "79MiB".
  static const char* kSizes[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 10) return std::to_string(bytes) + "B";
  double s = static_cast<double>(bytes);
  double e = std::floor(std::log(s) / std::log(1024.0));
  double val = std::floor(s / std::pow(1024.0, e) * 10 + 0.5) / 10;
  char buf[48];
  std::snprintf(buf, sizeof buf, val < 10 ? "%.1f%s" : "%.0f%s", val, kSizes[static_cast<size_t>(e)]);
  return buf;
}

}  // namespace rkt
