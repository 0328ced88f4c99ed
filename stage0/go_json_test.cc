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

TEST(GoJson, ReplacesInvalidUtf8) {
  Json j = Json::array({std::string("x\xff") + "y", std::string("\xe2\x80")});
  EXPECT_EQ(go_json(j, GoIndent::None), "[\"x\xef\xbf\xbdy\",\"\xef\xbf\xbd\"]");
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
