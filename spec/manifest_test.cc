#include "spec/manifest.h"

#include <dirent.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace rkt::spec {
namespace {

const char* kFullImage = R"({
  "acKind": "ImageManifest",
  "acVersion": "0.8.11",
  "name": "example.com/reduce-worker",
  "labels": [{"name": "version", "value": "1.0.0"}, {"name": "arch", "value": "amd64"},
             {"name": "os", "value": "linux"}],
  "app": {
    "exec": ["/usr/bin/reduce-worker", "--quiet"],
    "user": "100", "group": "300", "supplementaryGIDs": [400, 500],
    "eventHandlers": [{"exec": ["/usr/bin/data-downloader"], "name": "pre-start"},
                      {"exec": ["/usr/bin/deregister-worker", "--verbose"], "name": "post-stop"}],
    "workingDirectory": "/opt/work",
    "environment": [{"name": "REDUCE_WORKER_DEBUG", "value": "true"}],
    "isolators": [
      {"name": "resource/cpu", "value": {"request": "250m", "limit": "500m"}},
      {"name": "resource/memory", "value": {"limit": "1G"}},
      {"name": "os/linux/capabilities-retain-set", "value": {"set": ["CAP_NET_BIND_SERVICE"]}},
      {"name": "os/linux/no-new-privileges", "value": true},
      {"name": "os/linux/seccomp-remove-set", "value": {"set": ["reboot"], "errno": "EPERM"}},
      {"name": "os/linux/oom-score-adj", "value": -100},
      {"name": "os/linux/cpu-shares", "value": 2048},
      {"name": "os/unix/sysctl", "value": {"net.ipv4.ip_forward": "1"}},
      {"name": "example.com/unknown-isolator", "value": {"anything": [1, 2, 3]}}
    ],
    "mountPoints": [{"name": "work", "path": "/var/lib/work", "readOnly": false}],
    "ports": [{"name": "health", "port": 4000, "protocol": "tcp", "socketActivated": true}],
    "userAnnotations": {"team": "infra"}, "userLabels": {"tier": "backend"}
  },
  "dependencies": [{"imageName": "example.com/reduce-worker-base",
                    "imageID": "sha512-8d3fffddf79e9a232ffd19f9ccaa4d6b37a6a243dbe0f23137b108a043d9da13",
                    "labels": [{"name": "os", "value": "linux"}], "size": 12345}],
  "pathWhitelist": ["/etc/ca/example.com/crt", "/usr/bin/map-reduce-worker"],
  "annotations": [{"name": "authors", "value": "Carly <carly@example.com>"},
                  {"name": "created", "value": "2014-10-27T19:32:27.67021798Z"},
                  {"name": "homepage", "value": "https://example.com"}]
})";

TEST(ImageManifest, ParsesEveryField) {
  auto r = parse_image_manifest(kFullImage, "full");
  ASSERT_TRUE(r) << r.error().message();
  const ImageManifest& m = *r;
  EXPECT_EQ(m.name, "example.com/reduce-worker");
  EXPECT_EQ(*find_label(m.labels, "version"), "1.0.0");
  ASSERT_TRUE(m.app);
  EXPECT_EQ(m.app->exec[0], "/usr/bin/reduce-worker");
  EXPECT_EQ(m.app->supplementary_gids, (std::vector<int64_t>{400, 500}));
  ASSERT_EQ(m.app->isolators.size(), 9u);
  auto& cpu = std::get<ResourceValue>(m.app->isolators[0].value);
  EXPECT_EQ(cpu.request->ceil_milli_value(), 250);
  EXPECT_EQ(cpu.limit->ceil_milli_value(), 500);
  EXPECT_EQ(std::get<ResourceValue>(m.app->isolators[1].value).limit->ceil_value(), 1000000000);
  EXPECT_EQ(std::get<CapabilitySet>(m.app->isolators[2].value).set[0], "CAP_NET_BIND_SERVICE");
  EXPECT_TRUE(std::get<bool>(m.app->isolators[3].value));
  EXPECT_EQ(std::get<SeccompSet>(m.app->isolators[4].value).errno_name, "EPERM");
  EXPECT_EQ(std::get<int64_t>(m.app->isolators[5].value), -100);
  EXPECT_EQ(std::get<int64_t>(m.app->isolators[6].value), 2048);
  EXPECT_EQ(std::get<Sysctl>(m.app->isolators[7].value).at("net.ipv4.ip_forward"), "1");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(m.app->isolators[8].value));
  EXPECT_EQ(m.app->isolators[8].value_json, R"({"anything":[1,2,3]})");
  EXPECT_EQ(m.app->ports[0].count, 1u);
  EXPECT_EQ(m.dependencies[0].size, 12345u);
  EXPECT_EQ(m.app->user_annotations.at("team"), "infra");
}

TEST(ImageManifest, RoundTrips) {
  auto r = parse_image_manifest(kFullImage, "full");
  ASSERT_TRUE(r);
  std::string once = to_json(*r);
  auto again = parse_image_manifest(once, "once");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(to_json(*again), once);
  EXPECT_EQ(to_json(*again, Pretty::Yes), to_json(*r, Pretty::Yes));
}

TEST(ImageManifest, ReportsEveryProblemWithItsPointer) {
  const char* bad = R"({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "Bad Name",
    "labels": [{"name": "os", "value": "linux"}, {"name": "arch", "value": "sparc"}],
    "app": {"exec": ["relative"], "user": "0",
            "environment": [{"name": "1BAD", "value": "x"}],
            "isolators": [{"name": "resource/memory", "value": {"limit": "-1G"}}]},
    "annotations": [{"name": "homepage", "value": "ftp://example.com"}]})";
  std::vector<Problem> problems;
  auto r = parse_image_manifest(bad, "dir/manifest", &problems);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::InvalidManifest);
  std::vector<std::string> pointers;
  for (const auto& p : problems) pointers.push_back(p.pointer);
  EXPECT_EQ(pointers,
            (std::vector<std::string>{"/name", "/labels", "/app/exec/0", "/app/group", "/app/environment/0/name",
                                      "/app/isolators/0/value/limit", "/annotations/0/value"}));
  const std::string msg = r.error().message();
  EXPECT_NE(msg.find("image manifest \"dir/manifest\" is invalid"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field \"/app/exec/0\": the executable must be an absolute path"), std::string::npos) << msg;
  EXPECT_NE(msg.find("field \"/app/group\": is required"), std::string::npos) << msg;
}

TEST(ImageManifest, SyntaxErrorNamesLineAndColumn) {
  std::vector<Problem> problems;
  auto r = parse_image_manifest("{\n  \"acKind\": \"ImageManifest\",\n  \"name\": oops\n}", "m", &problems);
  ASSERT_FALSE(r);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("line 3, column 11"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("\"name\": oops\n"), std::string::npos) << problems[0].message;
}

TEST(ImageManifest, NumbersTooLargeToHoldAreProblems) {
  std::vector<Problem> problems;
  auto r = parse_image_manifest(R"({"acKind": "ImageManifest", "labels": [1e99999]})", "m", &problems);
  ASSERT_FALSE(r);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("JSON error: "), std::string::npos) << problems[0].message;
}

TEST(ImageManifest, TypeMismatchesAreProblemsNotCrashes) {
  std::vector<Problem> problems;
  auto r = parse_image_manifest(
      R"({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a", "labels": {},
          "app": {"exec": "/bin/sh", "user": 0, "group": "0", "supplementaryGIDs": [1.5],
                  "ports": [{"name": "p", "protocol": "tcp", "port": -1}]},
          "dependencies": [{"imageName": "b", "size": -3}], "pathWhitelist": ["relative"]})",
      "m", &problems);
  ASSERT_FALSE(r);
  std::vector<std::string> pointers;
  for (const auto& p : problems) pointers.push_back(p.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/labels", "/app/exec", "/app/user", "/app/supplementaryGIDs/0",
                                                "/app/ports/0/port", "/dependencies/0/size", "/pathWhitelist/0"}));
}

TEST(ImageManifest, AppIsolatorSetRules) {
  std::vector<Problem> problems;
  auto r = parse_image_manifest(
      R"({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a",
          "app": {"exec": ["/x"], "user": "0", "group": "0", "isolators": [
            {"name": "os/linux/seccomp-retain-set", "value": {"set": ["read"]}},
            {"name": "os/linux/seccomp-remove-set", "value": {"set": ["reboot"]}},
            {"name": "os/linux/oom-score-adj", "value": 1},
            {"name": "os/linux/oom-score-adj", "value": 2},
            {"name": "os/linux/cpu-shares", "value": 1},
            {"name": "resource/block-iops", "value": {"default": false}},
            {"name": "os/linux/no-new-privileges", "value": null}]}})",
      "m", &problems);
  ASSERT_FALSE(r);
  std::vector<std::string> pointers;
  for (const auto& p : problems) pointers.push_back(p.pointer);
  EXPECT_EQ(pointers,
            (std::vector<std::string>{"/app/isolators/1/name", "/app/isolators/3/name", "/app/isolators/4/value",
                                      "/app/isolators/5/value/default", "/app/isolators/6/value"}));
}

TEST(ImageManifest, DuplicateKeysAreRefused) {
  std::vector<Problem> problems;
  auto r = parse_image_manifest(
      R"({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a", "app": {"user": "0", "user": "1"}})", "m",
      &problems);
  ASSERT_FALSE(r);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "duplicate member name \"user\" in an object");
}

TEST(PodManifest, ParsesAndRoundTrips) {
  const char* pod = R"({
    "acVersion": "0.8.11", "acKind": "PodManifest",
    "apps": [{"name": "reduce-worker",
              "image": {"name": "example.com/reduce-worker", "id": "sha512-abcdef0123",
                        "labels": [{"name": "version", "value": "1.0.0"}]},
              "app": {"exec": ["/bin/sh"], "user": "0", "group": "0"},
              "readOnlyRootFS": true,
              "mounts": [{"volume": "work", "path": "/opt/work"},
                         {"volume": "scratch", "path": "/tmp",
                          "appVolume": {"name": "scratch", "kind": "empty"}}],
              "annotations": [{"name": "foo", "value": "baz"}]}],
    "volumes": [{"name": "work", "kind": "host", "source": "/opt/tenant1/work", "readOnly": true},
                {"name": "cache", "kind": "empty", "mode": "0700", "uid": 1000}],
    "isolators": [{"name": "resource/memory", "value": {"limit": "4G"}}],
    "annotations": [{"name": "ip-address", "value": "10.1.2.3"}],
    "ports": [{"name": "http", "hostPort": 8080, "hostIP": "127.0.0.1",
               "podPort": {"name": "http", "port": 80, "protocol": "tcp"}}],
    "userAnnotations": {"a": "b"}, "userLabels": {"c": "d"}
  })";
  auto r = parse_pod_manifest(pod, "pod");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->apps[0].mounts[1].app_volume->mode, "0755");
  EXPECT_EQ(r->volumes[1].gid, 0);
  EXPECT_EQ(r->volumes[1].uid, 1000);
  EXPECT_TRUE(r->apps[0].read_only_root_fs);
  std::string once = to_json(*r);
  auto again = parse_pod_manifest(once, "once");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(to_json(*again), once);
}

TEST(PodManifest, ReportsVolumeAndAppProblems) {
  std::vector<Problem> problems;
  auto r = parse_pod_manifest(R"({"acVersion": "0.8.11", "acKind": "PodManifest",
    "apps": [{"name": "a", "image": {"id": "sha512-zz"}}, {"name": "a", "image": {"id": "sha512-aa"}}],
    "volumes": [{"name": "v", "kind": "host", "source": "rel"}, {"name": "w", "kind": "empty", "source": "/x"},
                {"name": "x", "kind": "tmpfs"}, {"name": "y", "kind": "host", "source": "/y", "mode": "0700"}],
    "ports": [{"name": "p", "hostPort": 1, "hostIP": "nope"}]})",
                              "pod", &problems);
  ASSERT_FALSE(r);
  std::vector<std::string> pointers;
  for (const auto& p : problems) pointers.push_back(p.pointer);
  EXPECT_EQ(pointers,
            (std::vector<std::string>{"/apps/0/image/id", "/apps/1/name", "/volumes/0/source", "/volumes/1/source",
                                      "/volumes/2/kind", "/volumes/3/mode", "/ports/0/hostIP"}));
}

TEST(ValidateManifest, TellsKindsApartAndRejectsOthers) {
  EXPECT_EQ(*validate_manifest(R"({"acKind":"PodManifest","acVersion":"0.8.11","apps":[]})", "p"), ManifestKind::Pod);
  EXPECT_EQ(*validate_manifest(R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"x"})", "i"),
            ManifestKind::Image);
  auto bad = validate_manifest(R"({"acKind":"Other"})", "o");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("field \"/acKind\""), std::string::npos);
  auto none = validate_manifest(R"([1,2])", "n");
  ASSERT_FALSE(none);
}

TEST(ValidateManifest, RefusesOversizedInput) {
  std::string huge =
      R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"x","annotations":[{"name":"a","value":")" +
      std::string(kMaxManifestBytes, 'x') + "\"}]}";
  auto r = validate_manifest(huge, "huge");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("larger than"), std::string::npos);
}

TEST(PodManifest, InvalidUtf8IsWrittenAsReplacementCharacters) {
  PodManifest m;
  m.ac_version = "0.8.11";
  RuntimeApp a;
  a.name = "app";
  a.image.id = "sha512-abcdef0123";
  a.app.emplace();
  a.app->exec = {"/bin/true"};
  a.app->user = "0";
  a.app->group = "0";
  set_env(a.app->environment, "HOST",
          "a\xff\xc3"
          "b");
  m.apps.push_back(a);
  std::string json = to_json(m);
  EXPECT_NE(json.find("\"a\xef\xbf\xbd\xef\xbf\xbd"
                      "b\""),
            std::string::npos)
      << json;
  auto back = parse_pod_manifest(json, "written");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(json_string("\xff"), "\"\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace rkt::spec
