#pragma once

// Internal to spec/: isolator parsing shared by image and pod manifests.

#include <optional>
#include <string>

#include "spec/json_read.h"
#include "spec/types.h"

namespace rkt::spec::detail {

enum class IsolatorScope { App, Pod };

bool is_known_isolator(const std::string& name);

/// Parses one isolator; known names get a typed, validated value, unknown ones are kept as is.
std::optional<Isolator> parse_isolator(Reader& r, const Json& j, const std::string& ptr);

/// Parses obj[key] as a list of isolators. At app scope, also enforces the set rules: one
/// instance of single-valued isolators, and no seccomp retain-set beside a remove-set.
Isolators parse_isolators(Reader& r, const Json& obj, const std::string& ptr, const char* key, IsolatorScope scope);

}  // namespace rkt::spec::detail
