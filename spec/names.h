#pragma once

// Validators for the App Container scalar types (spec/types.md). Each returns an empty string
// when the value is valid, or a message saying what is wrong with it. Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rkt::spec {

inline constexpr std::string_view kAppcVersion = "0.8.11";

/// AC Name: `^[a-z0-9]+([-][a-z0-9]+)*$`.
std::string check_ac_name(std::string_view s);
/// AC Identifier: `^[a-z0-9]+([-._~/][a-z0-9]+)*$`.
std::string check_ac_identifier(std::string_view s);
/// AC Version: SemVer 2.0.0, not 0.0.0.
std::string check_semver(std::string_view s);
/// Image ID: "sha512-" followed by hex digits (1 to 128 of them).
std::string check_image_id(std::string_view s);
/// Timestamp: RFC 3339 date-time.
std::string check_date(std::string_view s);
/// A URL whose scheme is http or https.
std::string check_http_url(std::string_view s);
/// Environment variable name: `^[A-Za-z_][A-Za-z_0-9.-]*$`.
std::string check_env_name(std::string_view s);
/// An IPv4 or IPv6 address in text form.
std::string check_ip(std::string_view s);
/// The os/arch label pair; either may be absent.
std::string check_os_arch(const std::optional<std::string>& os, const std::optional<std::string>& arch);

/// Parses a UUID ("4c1b...-..." with or without dashes) into its canonical dashed lowercase form.
std::optional<std::string> canonical_uuid(std::string_view s);

/// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF): what a string in a manifest, which is JSON, must be.
bool valid_utf8(std::string_view s);

}  // namespace rkt::spec
