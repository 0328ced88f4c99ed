#include "common/duration.h"

#include <sys/stat.h>

#include <chrono>
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

Result<int64_t> parse_duration(const std::string& s) {
  auto bad = [&] { return Error(Errc::Usage, "invalid duration " + quote(s) + " (e.g. 30m, 1h30m, 24h, 0)"); };
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad();
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == start) return bad();
    double value = std::stod(s.substr(start, i - start));
    size_t ustart = i;
    while (i < s.size() && !((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    std::string unit = s.substr(ustart, i - ustart);
    double scale;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "µs") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else {
      return bad();
    }
    total += static_cast<int64_t>(value * scale);
  }
  return total;
}

std::string humanize_since(int64_t then_ns, int64_t now_ns) {
  int64_t secs = (now_ns - then_ns) / 1000000000;
  auto ago = [](int64_t n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago"; };
  if (secs < 1) return "just now";
  if (secs < 60) return ago(secs, "second");
  if (secs < 3600) return ago(secs / 60, "minute");
  if (secs < 86400) return ago(secs / 3600, "hour");
  if (secs < 86400 * 30) return ago(secs / 86400, "day");
  if (secs < 86400 * 365) return ago(secs / (86400 * 30), "month");
  return ago(secs / (86400 * 365), "year");
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
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < sizeof units / sizeof *units) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

}  // namespace rkt
