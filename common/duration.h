#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace rkt {

/// The wall clock, in nanoseconds since the epoch.
int64_t now_ns();

/// A file's modification time in nanoseconds since the epoch; 0 when it cannot be read.
int64_t mtime_ns(const std::string& path);
/// The status change time of `path` in ns since the epoch; 0 if it cannot be read.
int64_t ctime_ns(const std::string& path);

/// Parses a Go-style duration ("30m", "1h30m", "24h", "90s", "500ms", "0") into nanoseconds.
Result<int64_t> parse_duration(const std::string& s);

/// "now", "3 minutes ago", "2 weeks ago", "a long while ago": go-humanize's Time, as rkt shows
/// times in short listings.
std::string humanize_since(int64_t then_ns, int64_t now_ns);

/// Go's "2006-01-02 15:04:05.999 -0700 MST" layout, as rkt prints full times.
std::string format_time(int64_t ns);

/// "1.5KiB", "79MiB": go-humanize's IBytes, as rkt shows sizes.
std::string humanize_bytes(uint64_t bytes);

}  // namespace rkt
