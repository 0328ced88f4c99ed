#include "stage0/go_json.h"

namespace rkt::stage0 {

std::string go_json(const nlohmann::ordered_json& value, GoIndent indent) {
  using Json = nlohmann::ordered_json;
  std::string text = indent == GoIndent::Tab ? value.dump(1, '\t', false, Json::error_handler_t::replace)
                                             : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  // These bytes occur only inside strings: JSON's own syntax uses none of them.
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

}  // namespace rkt::stage0
