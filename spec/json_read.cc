#include "spec/json_read.h"

namespace rkt::spec::detail {

std::string child(const std::string& ptr, std::string_view key) {
  std::string out = ptr + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& ptr, size_t index) { return ptr + "/" + std::to_string(index); }

std::string type_name(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a non-integer number";
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return "an unknown value";
}

void Reader::fail(const std::string& ptr, std::string message) { problems_.push_back({ptr, std::move(message)}); }

const Json* Reader::member(const Json& obj, const std::string& ptr, std::string_view key, Need need) {
  const Json* found = nullptr;
  if (obj.is_object()) {
    auto it = obj.find(std::string(key));
    if (it != obj.end() && !it->is_null()) found = &*it;
  }
  if (!found && need == Need::Required) fail(child(ptr, key), "is required");
  return found;
}

bool Reader::expect_object(const Json& j, const std::string& ptr) {
  if (j.is_object()) return true;
  fail(ptr, "must be an object, not " + type_name(j));
  return false;
}

bool Reader::expect_array(const Json& j, const std::string& ptr) {
  if (j.is_array()) return true;
  fail(ptr, "must be an array, not " + type_name(j));
  return false;
}

std::optional<std::string> Reader::as_string(const Json& j, const std::string& ptr) {
  if (j.is_null()) return std::string();
  if (!j.is_string()) {
    fail(ptr, "must be a string, not " + type_name(j));
    return std::nullopt;
  }
  return j.get<std::string>();
}

std::optional<int64_t> Reader::as_integer(const Json& j, const std::string& ptr) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<int64_t>();
  if (j.is_number_unsigned()) {
    auto v = j.get<uint64_t>();
    if (v <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v);
    fail(ptr, "integer out of range");
    return std::nullopt;
  }
  fail(ptr, "must be an integer, not " + type_name(j));
  return std::nullopt;
}

std::optional<std::string> Reader::string(const Json& obj, const std::string& ptr, std::string_view key, Need need) {
  const Json* m = member(obj, ptr, key, need);
  if (!m) return std::nullopt;
  auto s = as_string(*m, child(ptr, key));
  if (s && s->empty() && need == Need::Required) {
    fail(child(ptr, key), "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> Reader::boolean(const Json& obj, const std::string& ptr, std::string_view key) {
  const Json* m = member(obj, ptr, key, Need::Optional);
  if (!m) return std::nullopt;
  if (!m->is_boolean()) {
    fail(child(ptr, key), "must be a boolean, not " + type_name(*m));
    return std::nullopt;
  }
  return m->get<bool>();
}

std::optional<int64_t> Reader::integer(const Json& obj, const std::string& ptr, std::string_view key, Need need) {
  const Json* m = member(obj, ptr, key, need);
  if (!m) return std::nullopt;
  return as_integer(*m, child(ptr, key));
}

std::optional<uint64_t> Reader::unsigned_integer(const Json& obj, const std::string& ptr, std::string_view key,
                                                 Need need) {
  const Json* m = member(obj, ptr, key, need);
  if (!m) return std::nullopt;
  if (m->is_number_unsigned()) return m->get<uint64_t>();
  if (m->is_number_integer()) {
    fail(child(ptr, key), "must not be negative");
    return std::nullopt;
  }
  fail(child(ptr, key), "must be an unsigned integer, not " + type_name(*m));
  return std::nullopt;
}

std::vector<std::string> Reader::string_list(const Json& obj, const std::string& ptr, std::string_view key) {
  std::vector<std::string> out;
  const Json* m = member(obj, ptr, key, Need::Optional);
  if (!m || !expect_array(*m, child(ptr, key))) return out;
  for (size_t i = 0; i < m->size(); ++i) {
    if (auto s = as_string((*m)[i], child(child(ptr, key), i))) out.push_back(std::move(*s));
  }
  return out;
}

std::map<std::string, std::string> Reader::string_map(const Json& obj, const std::string& ptr, std::string_view key) {
  std::map<std::string, std::string> out;
  const Json* m = member(obj, ptr, key, Need::Optional);
  if (!m || !expect_object(*m, child(ptr, key))) return out;
  for (auto it = m->begin(); it != m->end(); ++it) {
    if (auto s = as_string(it.value(), child(child(ptr, key), it.key()))) out[it.key()] = std::move(*s);
  }
  return out;
}

}  // namespace rkt::spec::detail
