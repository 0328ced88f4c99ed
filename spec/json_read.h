#pragma once

// Internal to spec/: typed, pointer-tracking reads from a parsed JSON document. Every read that
// finds a problem records it and carries on, so one pass reports everything. Mirrors the JSON
// typing rules of the reference implementation: absent and null optional fields are the same,
// numbers for integer fields must be integers, unknown fields are ignored.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/manifest.h"

namespace rkt::spec::detail {

using Json = nlohmann::ordered_json;

enum class Need { Optional, Required };

std::string child(const std::string& ptr, std::string_view key);
std::string child(const std::string& ptr, size_t index);
std::string type_name(const Json& j);

class Reader {
 public:
  explicit Reader(std::vector<Problem>& problems) : problems_(problems) {}

  void fail(const std::string& ptr, std::string message);
  size_t problem_count() const { return problems_.size(); }

  /// The member `key` of `obj`, or nullptr when absent or null (reported when required).
  const Json* member(const Json& obj, const std::string& ptr, std::string_view key, Need need);

  bool expect_object(const Json& j, const std::string& ptr);
  bool expect_array(const Json& j, const std::string& ptr);

  std::optional<std::string> string(const Json& obj, const std::string& ptr, std::string_view key, Need need);
  std::optional<bool> boolean(const Json& obj, const std::string& ptr, std::string_view key);
  std::optional<int64_t> integer(const Json& obj, const std::string& ptr, std::string_view key, Need need);
  std::optional<uint64_t> unsigned_integer(const Json& obj, const std::string& ptr, std::string_view key, Need need);
  std::vector<std::string> string_list(const Json& obj, const std::string& ptr, std::string_view key);
  std::map<std::string, std::string> string_map(const Json& obj, const std::string& ptr, std::string_view key);

  /// Reads a scalar JSON value that must be a string (null reads as "").
  std::optional<std::string> as_string(const Json& j, const std::string& ptr);
  std::optional<int64_t> as_integer(const Json& j, const std::string& ptr);

  /// A string that must pass `check` (one of the names.h validators).
  template <typename Check>
  std::optional<std::string> checked(const Json& obj, const std::string& ptr, std::string_view key, Need need,
                                     Check check) {
    auto s = string(obj, ptr, key, need);
    if (!s) return std::nullopt;
    if (std::string msg = check(*s); !msg.empty()) {
      fail(child(ptr, key), msg);
      return std::nullopt;
    }
    return s;
  }

 private:
  std::vector<Problem>& problems_;
};

}  // namespace rkt::spec::detail
