#include "common/base64.h"

#include <gtest/gtest.h>

namespace rkt {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, enc] : vectors) {
    EXPECT_EQ(base64_encode(raw), enc);
    EXPECT_EQ(base64_decode(enc), std::optional<std::string>(raw));
  }
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
}

TEST(Base64, BadTextIsRefused) {
  for (const char* bad : {"Zg=", "Z===", "Zg==Zg==", "Zm9*", "Zm 9v", "=Zm9"}) {
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace rkt
