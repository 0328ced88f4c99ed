#pragma once

// JSON as rkt's Go encoder writes it (encoding/json's Marshal and MarshalIndent(v, "", "\t")),
// for every output that clients of rkt parse: invalid UTF-8 becomes U+FFFD instead of an error,
// and <, >, &, U+2028 and U+2029 are written as \u escapes.

#include <string>

#include <nlohmann/json.hpp>

namespace rkt::stage0 {

enum class GoIndent { None, Tab };

std::string go_json(const nlohmann::ordered_json& value, GoIndent indent);

}  // namespace rkt::stage0
