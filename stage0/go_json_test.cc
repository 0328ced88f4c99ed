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

}  // namespace
}  // namespace rkt::stage0
