#include "stage0/mds.h"

#include <gtest/gtest.h>

namespace rkt::stage0::mds {
namespace {

constexpr const char* kUuid = "0a1b2c3d-0000-4000-8000-00000000abcd";
constexpr const char* kOther = "0a1b2c3d-0000-4000-8000-00000000ffff";
const std::string kToken(32, 'a'), kOtherToken(32, 'b');

const char* kPod = R"({"acKind":"PodManifest","acVersion":"0.8.11","apps":[
  {"name":"web","image":{"id":"sha512-0123"},"annotations":[{"name":"b","value":"pod"},{"name":"c","value":"new"}]}],
  "annotations":[{"name":"team","value":"infra"}]})";
const char* kImage = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/web",
  "annotations":[{"name":"a","value":"1"},{"name":"b","value":"image"}]})";

Request req(std::string method, std::string path, std::string body = "", std::string query = "") {
  return {std::move(method), std::move(path), std::move(query), "", std::move(body)};
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kUuid, kPod, "token=" + kToken)).status, 200);
    ASSERT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kUuid + "/web", kImage)).status, 200);
  }
  Response get(const std::string& token, const std::string& path) const {
    return reg_.handle_public(req("GET", "/" + token + "/acMetadata/v1" + path));
  }
  Registry reg_{std::string(64, 'k')};
};

TEST_F(RegistryTest, AnswersWhatTheAceValidatorAsksWithItsContentTypes) {
  auto m = get(kToken, "/pod/manifest");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "application/json");
  EXPECT_EQ(m.body, kPod);
  auto uuid = get(kToken, "/pod/uuid");
  EXPECT_EQ(uuid.body, kUuid);
  EXPECT_EQ(uuid.content_type, "text/plain; charset=us-ascii");
  EXPECT_EQ(get(kToken, "/pod/annotations").body, R"([{"name":"team","value":"infra"}])");
  EXPECT_EQ(get(kToken, "/pod/annotations/team").body, "infra");
  EXPECT_EQ(get(kToken, "/pod/annotations/nope").status, 404);
  EXPECT_EQ(get(kToken, "/apps/web/image/manifest").body, kImage);
  EXPECT_EQ(get(kToken, "/apps/web/image/id").body, "sha512-0123");
  // The image's annotations, the pod's set over them: b replaced in place, c appended.
  EXPECT_EQ(get(kToken, "/apps/web/annotations").body,
            R"([{"name":"a","value":"1"},{"name":"b","value":"pod"},{"name":"c","value":"new"}])");
  EXPECT_EQ(get(kToken, "/apps/web/annotations/b").body, "pod");
  EXPECT_EQ(get(kToken, "/apps/nope/image/id").status, 404);
}

TEST_F(RegistryTest, ATokenReadsOnlyItsOwnPod) {
  EXPECT_EQ(get(kOtherToken, "/pod/manifest").status, 401);
  EXPECT_EQ(get(kOtherToken, "/pod/manifest").body, "pod not found\n");
  EXPECT_EQ(get(kUuid, "/pod/manifest").status, 401) << "the UUID is not a token";
  ASSERT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kOther, kPod, "token=" + kOtherToken)).status,
            200);
  EXPECT_EQ(get(kOtherToken, "/pod/uuid").body, kOther);
  EXPECT_EQ(get(kToken, "/pod/uuid").body, kUuid);
  EXPECT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kOther, kPod, "token=" + kToken)).status, 400)
      << "another pod's token cannot be taken over";
  ASSERT_EQ(reg_.handle_registration(req("DELETE", std::string("/pods/") + kUuid)).status, 200);
  EXPECT_EQ(get(kToken, "/pod/uuid").status, 401) << "unregistered";
  EXPECT_EQ(reg_.handle_registration(req("DELETE", std::string("/pods/") + kUuid)).status, 404);
}

TEST_F(RegistryTest, RegistrationRefusesWhatIsNotAPod) {
  EXPECT_EQ(reg_.handle_registration(req("PUT", "/pods/not-a-uuid", kPod, "token=" + kToken)).status, 400);
  EXPECT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kOther, kPod, "token=short")).status, 400);
  EXPECT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kOther, "{", "token=" + kOtherToken)).status,
            400);
  EXPECT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kOther, kImage, "token=" + kOtherToken)).status,
            400);
  EXPECT_EQ(reg_.handle_registration(req("PUT", std::string("/pods/") + kOther + "/web", kImage)).status, 404);
  EXPECT_EQ(reg_.size(), 1u);
}

TEST_F(RegistryTest, SignaturesVerifyForTheirPodAndContentOnly) {
  auto sig = reg_.handle_public(req("POST", "/" + kToken + "/acMetadata/v1/pod/hmac/sign", "content=Old+MacDonald"));
  ASSERT_EQ(sig.status, 200);
  EXPECT_EQ(sig.body.size(), 88u) << "base64 of a 64-byte HMAC-SHA512";
  auto verify = [&](const std::string& uuid, const std::string& content, const std::string& signature) {
    std::string s;
    for (char c : signature) s += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
    return reg_
        .handle_public(req("POST", "/any/acMetadata/v1/pod/hmac/verify",
                           "content=" + content + "&uuid=" + uuid + "&signature=" + s))
        .status;
  };
  EXPECT_EQ(verify(kUuid, "Old+MacDonald", sig.body), 200);
  EXPECT_EQ(verify(kUuid, "Old+MacDonalds", sig.body), 403);
  EXPECT_EQ(verify(kOther, "Old+MacDonald", sig.body), 403);
  EXPECT_EQ(verify(kUuid, "Old+MacDonald", "not base64!"), 400);
  EXPECT_EQ(reg_.handle_public(req("POST", "/" + kOtherToken + "/acMetadata/v1/pod/hmac/sign", "content=x")).status,
            401);
  EXPECT_EQ(reg_.handle_public(req("POST", "/" + kToken + "/acMetadata/v1/pod/hmac/sign", "")).status, 400);
  EXPECT_EQ(reg_.handle_public(req("GET", "/" + kToken + "/acMetadata/v1/pod/hmac/sign")).status, 405);
}

TEST(MdsToken, Has128RandomBitsInHex) {
  auto a = new_token(), b = new_token();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(stage1_abi::metadata_url("172.16.28.1", *a), "http://172.16.28.1:18112/" + *a);
}

}  // namespace
}  // namespace rkt::stage0::mds
