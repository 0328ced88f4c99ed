#pragma once

// Parsing, validation and serialization of image and pod manifests. Validation is strict and
// complete: every problem in a manifest is reported at once, each with the JSON Pointer of the
// field at fault.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::spec {

/// One validation problem: `pointer` is a JSON Pointer ("/app/exec/0"; "" is the document).
struct Problem {
  std::string pointer;
  std::string message;
};

enum class ManifestKind { Image, Pod };

/// Upper bound on the size of a manifest the runtime reads (image content is hostile).
inline constexpr size_t kMaxManifestBytes = 1 << 20;

/// Parses and validates an image manifest. `source` names the file in error messages. On
/// failure the error (Errc::InvalidManifest) lists every problem, one per line; `problems`, when
/// given, receives them too.
Result<ImageManifest> parse_image_manifest(std::string_view json, std::string_view source,
                                           std::vector<Problem>* problems = nullptr);

/// Parses and validates a pod manifest, as parse_image_manifest.
Result<PodManifest> parse_pod_manifest(std::string_view json, std::string_view source,
                                       std::vector<Problem>* problems = nullptr);

/// Validates a manifest of either kind (told apart by its acKind).
Result<ManifestKind> validate_manifest(std::string_view json, std::string_view source,
                                       std::vector<Problem>* problems = nullptr);

enum class Pretty { No, Yes };

/// Serializes to JSON; parsing the result yields an equal manifest.
std::string to_json(const ImageManifest& m, Pretty pretty = Pretty::No);
std::string to_json(const PodManifest& m, Pretty pretty = Pretty::No);

/// Sets `name` to `value` in `env`, replacing an existing entry in place or appending.
void set_env(Environment& env, const std::string& name, const std::string& value);

/// An isolator with a typed value, its value_json rendered from it (as a manifest writes it).
/// The result is not validated here: parse the manifest it goes into, as for any other.
Isolator make_isolator(std::string name, IsolatorValue value);

/// Re-indents any JSON document (for cat-manifest --pretty-print).
Result<std::string> pretty_print_json(std::string_view json);

/// Encodes a string as a JSON string literal, quotes included.
std::string json_string(std::string_view s);

/// Builds the error that lists `problems` for `source`.
Error manifest_error(std::string_view what, std::string_view source, const std::vector<Problem>& problems);

}  // namespace rkt::spec
