#include "stage0/go_json.h"

namespace rkt::stage0 {

namespace {

// What Go's encoder escapes beyond what nlohmann's dump does. These bytes occur only inside
// strings: JSON's own syntax uses none of them.
std::string go_escapes(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '<') {
      out += "\\u003c";
    } else if (ch == '>') {
      out += "\\u003e";
    } else if (ch == '&') {
      out += "\\u0026";
    } else if (ch == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::string go_json(const nlohmann::ordered_json& value, GoIndent indent) {
  using Json = nlohmann::ordered_json;
  return go_escapes(indent == GoIndent::Tab ? value.dump(1, '\t', false, Json::error_handler_t::replace)
                                            : value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void GoJsonWriter::element() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (counts_.empty()) return;
  if (counts_.back()++ > 0) out_ += ',';
  if (pretty_) {
    out_ += '\n';
    out_.append(counts_.size(), '\t');
  }
}

void GoJsonWriter::open(char c) {
  element();
  out_ += c;
  counts_.push_back(0);
}

void GoJsonWriter::close(char c) {
  size_t n = counts_.back();
  counts_.pop_back();
  if (pretty_ && n > 0) {
    out_ += '\n';
    out_.append(counts_.size(), '\t');
  }
  out_ += c;
}

void GoJsonWriter::key(const std::string& k) {
  element();
  string(k);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
}

void GoJsonWriter::value(const std::string& s) {
  element();
  string(s);
}

void GoJsonWriter::value(int64_t n) {
  element();
  out_ += std::to_string(n);
}

void GoJsonWriter::value(bool b) {
  element();
  out_ += b ? "true" : "false";
}

void GoJsonWriter::string(const std::string& s) {
  // Most strings (names, IDs, paths) need no escape: printable ASCII without " \ < > &.
  bool plain = true;
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out_ += '"';
    out_ += s;
    out_ += '"';
    return;
  }
  out_ += go_escapes(nlohmann::ordered_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace rkt::stage0
