#pragma once

// JSON as rkt's Go encoder writes it (encoding/json's Marshal and MarshalIndent(v, "", "\t")),
// for every output that clients of rkt parse: each byte of invalid UTF-8 becomes \ufffd instead
// of an error; control characters other than \n, \r and \t, and <, >, &, U+2028 and U+2029, are
// written as \u escapes; numbers as Go formats them.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rkt::stage0 {

enum class GoIndent { None, Tab };

std::string go_json(const nlohmann::ordered_json& value, GoIndent indent);

/// The same text as go_json of the same document, written as it goes, without the document:
/// for outputs of many values (`rkt list --format=json` of a thousand pods). Members and
/// elements are written in the order given; a key is followed by exactly one value or container.
class GoJsonWriter {
 public:
  explicit GoJsonWriter(GoIndent indent) : pretty_(indent == GoIndent::Tab) {}
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(const std::string& k);
  void value(const std::string& s);
  void value(const char* s) { value(std::string(s)); }
  void value(int64_t n);
  void value(bool b);
  /// A number, true, false or null, as given.
  void literal(const std::string& text);
  /// The text written; the writer is empty after.
  std::string take() { return std::move(out_); }

 private:
  void element();  // the separator and indentation before an element or member
  void open(char c);
  void close(char c);
  bool pretty_;
  bool after_key_ = false;
  std::string out_;
  std::vector<size_t> counts_;  ///< members or elements so far, per open container
};

}  // namespace rkt::stage0
