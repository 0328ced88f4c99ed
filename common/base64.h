#pragma once

// Base64 (RFC 4648, with padding), for credentials (auth.d) and signatures (the metadata service).

#include <optional>
#include <string>

namespace rkt {

std::string base64_encode(const std::string& raw);
/// Decodes padded base64; nullopt when `text` is not that.
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace rkt
