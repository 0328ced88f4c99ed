#include "stage0/go_json.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace rkt::stage0 {

namespace {

// The length of the UTF-8 sequence starting at s[i] (2 to 4 bytes) where Go's utf8.DecodeRune
// accepts it, or 0 where it returns RuneError of size 1: a stray continuation byte, an
// overlong form, a surrogate, a code point above U+10FFFF or a truncated sequence.
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [](unsigned c, unsigned lo = 0x80, unsigned hi = 0xbf) { return c >= lo && c <= hi; };
  unsigned b = at(0);
  if (b >= 0xc2 && b <= 0xdf) return cont(at(1)) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    unsigned lo = b == 0xe0 ? 0xa0 : 0x80;
    unsigned hi = b == 0xed ? 0x9f : 0xbf;
    return cont(at(1), lo, hi) && cont(at(2)) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    unsigned lo = b == 0xf0 ? 0x90 : 0x80;
    unsigned hi = b == 0xf4 ? 0x8f : 0xbf;
    return cont(at(1), lo, hi) && cont(at(2)) && cont(at(3)) ? 4 : 0;
  }
  return 0;
}

// encoding/json's encodeState.string with HTML escaping, as in the Go releases rkt 1.30 was built
// with: \" \\ \n \r \t, every other byte below 0x20 and < > & as \u00XX, U+2028 and U+2029 as
// \u202X, each byte of invalid UTF-8 as \ufffd; everything else as it is.
void go_quote(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  auto flush = [&](size_t i) { out.append(s, start, i - start); };
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') {
        ++i;
        continue;
      }
      flush(i);
      switch (b) {
        case '"':
        case '\\':
          out += '\\';
          out += static_cast<char>(b);
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[b >> 4];
          out += kHex[b & 0xf];
      }
      start = ++i;
      continue;
    }
    size_t n = utf8_length(s, i);
    if (n == 0) {
      flush(i);
      out += "\\ufffd";
      start = ++i;
      continue;
    }
    if (n == 3 && b == 0xe2 && s[i + 1] == '\x80' && (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
      flush(i);
      out += s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      start = i + 3;
    }
    i += n;
  }
  flush(s.size());
  out += '"';
}

// encoding/json's floatEncoder: the shortest text that reads back as the same double, in
// positional notation from 1e-6 up to 1e21 and as an exponent (e-7, not e-07) outside it.
std::string go_float(double f) {
  if (!std::isfinite(f)) return "null";  // Go refuses these; nlohmann's dump writes null too
  char buf[64];
  double a = std::fabs(f);
  bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
  auto res = std::to_chars(buf, buf + sizeof buf, f, exp ? std::chars_format::scientific : std::chars_format::fixed);
  std::string text(buf, res.ptr);
  size_t n = text.size();
  if (exp && n >= 4 && text[n - 4] == 'e' && text[n - 3] == '-' && text[n - 2] == '0') text.erase(n - 2, 1);
  return text;
}

void write_value(GoJsonWriter& w, const nlohmann::ordered_json& v) {
  using Json = nlohmann::ordered_json;
  switch (v.type()) {
    case Json::value_t::object:
      w.begin_object();
      for (const auto& [k, member] : v.items()) {
        w.key(k);
        write_value(w, member);
      }
      w.end_object();
      break;
    case Json::value_t::array:
      w.begin_array();
      for (const auto& element : v) write_value(w, element);
      w.end_array();
      break;
    case Json::value_t::string:
      w.value(v.get_ref<const std::string&>());
      break;
    case Json::value_t::boolean:
      w.value(v.get<bool>());
      break;
    case Json::value_t::number_integer:
      w.literal(std::to_string(v.get<int64_t>()));
      break;
    case Json::value_t::number_unsigned:
      w.literal(std::to_string(v.get<uint64_t>()));
      break;
    case Json::value_t::number_float:
      w.literal(go_float(v.get<double>()));
      break;
    default:  // null, discarded, binary
      w.literal("null");
  }
}

}  // namespace

std::string go_json(const nlohmann::ordered_json& value, GoIndent indent) {
  GoJsonWriter w(indent);
  write_value(w, value);
  return w.take();
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
  go_quote(out_, k);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
}

void GoJsonWriter::value(const std::string& s) {
  element();
  go_quote(out_, s);
}

void GoJsonWriter::value(int64_t n) { literal(std::to_string(n)); }

void GoJsonWriter::value(bool b) { literal(b ? "true" : "false"); }

void GoJsonWriter::literal(const std::string& text) {
  element();
  out_ += text;
}

}  // namespace rkt::stage0
