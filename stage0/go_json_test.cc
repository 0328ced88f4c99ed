#include "stage0/go_json.h"

#include <gtest/gtest.h>

namespace rkt::stage0 {
namespace {

using Json = nlohmann::ordered_json;

TEST(GoJson, EscapesAsGoEncoderDoes) {
  Json j{{"name", "a<b>&c\u2028d\u2029"}, {"n", 1}};
  EXPECT_EQ(go_json(j, GoIndent::None), R"({"name":"a\u003cb\u003e\u0026c\u2028d\u2029","n":1})");
}

TEST(GoJson, IndentsWithTabsAsMarshalIndent) {
  Json j{{"a", Json::array({1})}, {"b", Json::object()}, {"c", Json::array()}};
  EXPECT_EQ(go_json(j, GoIndent::Tab), "{\n\t\"a\": [\n\t\t1\n\t],\n\t\"b\": {},\n\t\"c\": []\n}");
}

// Go writes \ufffd, escaped, for each byte its UTF-8 decoder refuses (a stray continuation
// byte, a truncated sequence, an overlong form, a surrogate, a code point above U+10FFFF), and a
// valid U+FFFD as it is.
TEST(GoJson, ReplacesEachInvalidUtf8ByteAsGoDoes) {
  Json j = Json::array({std::string("x\xff") + "y", std::string("\xe2\x80"), std::string("\xc0\xaf"),
                        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
                        std::string("\xef\xbf\xbd \xc3\xa9 \xf0\x9f\x98\x80")});
  EXPECT_EQ(go_json(j, GoIndent::None),
            "[\"x\\ufffdy\",\"\\ufffd\\ufffd\",\"\\ufffd\\ufffd\",\"\\ufffd\\ufffd\\ufffd\","
            "\"\\ufffd\\ufffd\\ufffd\\ufffd\",\"\xef\xbf\xbd \xc3\xa9 \xf0\x9f\x98\x80\"]");
}

// Only \" \\ \n \r \t have short forms in the Go releases rkt 1.30 was built with; \b and \f
// and every other control character are \u00XX, in lower-case hex; DEL is written as it is.
TEST(GoJson, WritesControlCharactersAsGoDoes) {
  Json j = std::string("\b\f\x01\x1f\x7f\"\\\n\r\t/");
  EXPECT_EQ(go_json(j, GoIndent::None), "\"\\u0008\\u000c\\u0001\\u001f\x7f\\\"\\\\\\n\\r\\t/\"");
}

// encoding/json's float encoder: positional from 1e-6 to 1e21, an exponent without a leading
// zero outside it, and no ".0" on integral values.
TEST(GoJson, WritesNumbersAsGoDoes) {
  Json j =
      Json::array({100.0, 0.5, -2.25, 1e21, 1e20, 1e-7, 0.000001, 0.0, int64_t{-3}, uint64_t{18446744073709551615u}});
  EXPECT_EQ(go_json(j, GoIndent::None),
            "[100,0.5,-2.25,1e+21,100000000000000000000,1e-7,0.000001,0,-3,18446744073709551615]");
}

// The writer gives go_json's text of the same document: nesting, empty containers, escapes and
// invalid UTF-8, compact and indented.
TEST(GoJson, TheWriterWritesWhatGoJsonPrints) {
  const std::string odd = std::string("a<b>&\"q\"\\ \t\n\x01 \u2028 x\xff");
  Json doc = Json::array();
  doc.push_back({{"name", "plain"},
                 {"n", -12},
                 {"ok", true},
                 {"no", false},
                 {"odd", odd},
                 {"list", Json::array({"x", Json::object(), Json::array()})},
                 {"empty", Json::object()},
                 {"map", {{odd, "v"}}}});
  doc.push_back(Json::object());
  for (GoIndent indent : {GoIndent::None, GoIndent::Tab}) {
    GoJsonWriter w(indent);
    w.begin_array();
    w.begin_object();
    w.key("name");
    w.value("plain");
    w.key("n");
    w.value(int64_t{-12});
    w.key("ok");
    w.value(true);
    w.key("no");
    w.value(false);
    w.key("odd");
    w.value(odd);
    w.key("list");
    w.begin_array();
    w.value("x");
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.end_array();
    w.key("empty");
    w.begin_object();
    w.end_object();
    w.key("map");
    w.begin_object();
    w.key(odd);
    w.value("v");
    w.end_object();
    w.end_object();
    w.begin_object();
    w.end_object();
    w.end_array();
    EXPECT_EQ(w.take(), go_json(doc, indent));
  }
  GoJsonWriter empty(GoIndent::Tab);
  empty.begin_array();
  empty.end_array();
  EXPECT_EQ(empty.take(), "[]") << "rkt list with no pods";
}

}  // namespace
}  // namespace rkt::stage0
