#include "stage0/oci.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/command.h"
#include "tests/support/tar_builder.h"

#include "actool/aci.h"
#include "common/unique_fd.h"

namespace rkt::stage0::oci {
namespace {

using Json = nlohmann::json;

std::string sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* h = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += h[md[i] >> 4];
    out += h[md[i] & 15];
  }
  return out;
}

std::set<std::string> entry_names(const std::string& aci) {
  std::set<std::string> names;
  archive* a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, aci.c_str(), 1 << 16) == ARCHIVE_OK) {
    archive_entry* e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) names.insert(archive_entry_pathname(e));
  }
  archive_read_free(a);
  return names;
}

// An OCI image layout written by hand, blob by blob, so that each can be made wrong.
class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_dirs(layout_ + "/blobs/sha256", 0755));
    ASSERT_TRUE(make_dirs(staging_, 0700));
    test::write_file(layout_ + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }
  std::string blob(const std::string& data) {
    std::string h = sha256(data);
    test::write_file(layout_ + "/blobs/sha256/" + h, data);
    return "sha256:" + h;
  }
  static Json desc(const std::string& type, const std::string& digest, size_t size) {
    return {{"mediaType", type}, {"digest", digest}, {"size", size}};
  }
  // A layer built with TarBuilder: returns {compressed bytes, diff_id}.
  std::pair<std::string, std::string> layer(const std::function<void(test::TarBuilder&)>& fill,
                                            const std::string& filter = "gzip") {
    std::string plain = tmp_ / "plain.tar", packed = tmp_ / "packed.tar";
    {
      test::TarBuilder t(plain);
      fill(t);
    }
    {
      test::TarBuilder t(packed, filter);
      fill(t);
    }
    return {test::read_file(packed), "sha256:" + sha256(test::read_file(plain))};
  }
  // The whole image: layers (bytes, diff_id, media type), a config and a manifest, named `ref`.
  void image(const std::vector<std::tuple<std::string, std::string, std::string>>& layers, Json config,
             const std::string& ref = "1.0") {
    Json ls = Json::array(), diff_ids = Json::array();
    for (const auto& [bytes, diff_id, type] : layers) {
      ls.push_back(desc(type, blob(bytes), bytes.size()));
      diff_ids.push_back(diff_id);
    }
    config["os"] = "linux";
    config["architecture"] = host_architecture();
    config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
    std::string cfg = config.dump();
    Json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config", desc("application/vnd.oci.image.config.v1+json", blob(cfg), cfg.size())},
                     {"layers", ls}};
    std::string m = manifest.dump();
    Json d = desc("application/vnd.oci.image.manifest.v1+json", blob(m), m.size());
    d["annotations"] = {{"org.opencontainers.image.ref.name", ref}};
    test::write_file(layout_ + "/index.json", Json{{"schemaVersion", 2}, {"manifests", {d}}}.dump());
  }
  Result<TempFile> convert(const std::string& ref = "1.0") {
    return layout_to_aci({layout_, ref}, "oci:" + layout_ + ":" + ref, staging_, "\"test\"", ExtractLimits{});
  }
  static void busybox_like(test::TarBuilder& t) {
    t.dir("bin")
        .file("bin/sh", "#!", 0755)
        .dir("etc")
        .file("etc/passwd", "root:x:0:0::/:/bin/sh\nweb:x:1000:1001::/home:/bin/sh\n");
  }

  test::TempDir tmp_;
  std::string layout_ = tmp_ / "layout", staging_ = tmp_ / "staging";
};

TEST(OciReference, DirectoryAndRef) {
  auto r = parse_reference("oci:/srv/images/web:1.2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layout, "/srv/images/web");
  EXPECT_EQ(r->ref, "1.2");
  r = parse_reference("oci:./web");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layout, "./web");
  EXPECT_EQ(r->ref, "");
  r = parse_reference("oci:/a:b/web");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layout, "/a:b/web") << "a ':' before the last '/' is part of the directory";
  EXPECT_FALSE(parse_reference("oci:"));
  EXPECT_FALSE(parse_reference("oci::x"));
}

TEST(DockerReference, NormalisedAsRktDidIt) {
  auto check = [](const std::string& arg, const std::string& host, const std::string& repo, const std::string& tag,
                  const std::string& digest = "") {
    auto r = parse_docker_reference(arg);
    ASSERT_TRUE(r) << arg << ": " << r.error().message();
    EXPECT_EQ(r->host, host) << arg;
    EXPECT_EQ(r->repository, repo) << arg;
    EXPECT_EQ(r->tag, tag) << arg;
    EXPECT_EQ(r->digest, digest) << arg;
  };
  check("docker://busybox", "registry-1.docker.io", "library/busybox", "latest");
  check("docker:busybox:1.36", "registry-1.docker.io", "library/busybox", "1.36");
  check("docker://quay.io/x/y:1.2", "quay.io", "x/y", "1.2");
  check("docker://localhost/app", "localhost", "app", "latest");
  check("docker://127.0.0.1:5000/test/web", "127.0.0.1:5000", "test/web", "latest");
  check("docker://docker.io/library/alpine", "registry-1.docker.io", "library/alpine", "latest");
  check("docker://user/app", "registry-1.docker.io", "user/app", "latest");  // no ".", ":" or localhost: no host
  check("docker://busybox@sha256:" + std::string(64, 'a'), "registry-1.docker.io", "library/busybox", "",
        "sha256:" + std::string(64, 'a'));
  EXPECT_FALSE(parse_docker_reference("docker://Busybox"));
  EXPECT_FALSE(parse_docker_reference("docker://x/../y"));
  EXPECT_FALSE(parse_docker_reference("docker://busybox@sha256:xyz"));
}

TEST(OciNames, AsAppcSanitizesThem) {
  EXPECT_EQ(sanitize_identifier("My_Image:1"), "my_image_1");
  EXPECT_EQ(sanitize_name("volume/var/lib/data"), "volume-var-lib-data");
  EXPECT_EQ(appc_arch("arm64", ""), "aarch64");
  EXPECT_EQ(appc_arch("arm", "v7"), "armv7l");
  EXPECT_EQ(appc_arch("amd64", ""), "amd64");
}

TEST_F(LayoutTest, TheConfigBecomesTheApp) {
  auto [bytes, diff_id] = layer(busybox_like);
  image({{bytes, diff_id, "application/vnd.oci.image.layer.v1.tar+gzip"}},
        {{"config",
          {{"Entrypoint", {"sh"}},
           {"Cmd", {"-c", "echo hi"}},
           {"Env", {"PATH=/bin", "NOEQUALS", "FOO=a=b"}},
           {"User", "web"},
           {"WorkingDir", "/srv/app"},
           {"ExposedPorts", {{"8080/tcp", Json::object()}, {"53/udp", Json::object()}, {"9000", Json::object()}}},
           {"Volumes", {{"/data", Json::object()}, {"/var/cache", Json::object()}}},
           {"Labels", {{"maintainer", "me"}}}}}});
  auto aci = convert();
  ASSERT_TRUE(aci) << aci.error().message();
  auto m = aci::read_manifest_only(aci->path());
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->name, "layout");
  EXPECT_EQ(*spec::find_label(m->labels, "version"), "1.0");
  EXPECT_EQ(*spec::find_label(m->labels, "os"), "linux");
  ASSERT_TRUE(m->app);
  EXPECT_EQ(m->app->exec, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}))
      << "resolved through the image's PATH";
  EXPECT_EQ(m->app->user, "web");
  EXPECT_EQ(m->app->group, "1001") << "the user's primary group, from the image's /etc/passwd";
  EXPECT_EQ(m->app->working_directory, "/srv/app");
  ASSERT_EQ(m->app->environment.size(), 2u) << "an entry without '=' is dropped";
  EXPECT_EQ(m->app->environment[1].value, "a=b");
  ASSERT_EQ(m->app->ports.size(), 3u);
  EXPECT_EQ(m->app->ports[0].name, "53-udp");
  EXPECT_EQ(m->app->ports[1].name, "8080-tcp");
  EXPECT_EQ(m->app->ports[2].name, "9000-tcp") << "tcp unless said";
  ASSERT_EQ(m->app->mount_points.size(), 2u);
  EXPECT_EQ(m->app->mount_points[0].name, "volume-data");
  EXPECT_EQ(m->app->mount_points[1].name, "volume-var-cache");
  EXPECT_EQ(m->app->user_labels.at("maintainer"), "me") << "labels docker2aci dropped are kept";
  EXPECT_EQ(*spec::find_annotation(m->annotations, "appc.io/docker/entrypoint"), R"(["sh"])");
  auto contents = aci::read_archive(aci->path());
  ASSERT_TRUE(contents) << "an image every reader takes: " << contents.error().message();
}

TEST_F(LayoutTest, UsersThatTheImageDoesNotHaveAreErrors) {
  auto [bytes, diff_id] = layer(busybox_like);
  image({{bytes, diff_id, "application/vnd.oci.image.layer.v1.tar+gzip"}},
        {{"config", {{"Entrypoint", {"/bin/sh"}}, {"User", "nobody"}}}});
  auto aci = convert();
  ASSERT_FALSE(aci);
  EXPECT_NE(aci.error().message().find("its user \"nobody\" is not in the image's /etc/passwd"), std::string::npos)
      << aci.error().message();
  image({{bytes, diff_id, "application/vnd.oci.image.layer.v1.tar+gzip"}}, {{"config", {{"Entrypoint", {"nothere"}}}}});
  aci = convert();
  ASSERT_FALSE(aci);
  EXPECT_NE(aci.error().message().find("its entrypoint \"nothere\" is not found in the image's PATH"),
            std::string::npos)
      << aci.error().message();
}

TEST_F(LayoutTest, LayersApplyInOrderWithWhiteoutsOpaqueDirectoriesAndLowerHardLinks) {
  auto [l1, d1] = layer([](test::TarBuilder& t) {
    busybox_like(t);
    t.dir("a").file("a/x", "x").file("a/y", "y").dir("d").file("d/1", "1").file("d/keep-not", "k").file("f", "file");
    t.file("target", "shared data");
  });
  auto [l2, d2] = layer(
      [](test::TarBuilder& t) {
        t.file("a/.wh.x", "").file("d/2", "2").file("d/.wh..wh..opq", "").dir("f").file("f/now-a-dir", "d");
        t.hardlink("link", "target").file(".wh.nothing-below", "");
      },
      "zstd");
  image({{l1, d1, "application/vnd.oci.image.layer.v1.tar+gzip"},
         {l2, d2, "application/vnd.oci.image.layer.v1.tar+zstd"}},
        {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  auto aci = convert();
  ASSERT_TRUE(aci) << aci.error().message();
  std::set<std::string> names = entry_names(aci->path());
  EXPECT_FALSE(names.count("rootfs/a/x")) << "whited out";
  EXPECT_TRUE(names.count("rootfs/a/y"));
  EXPECT_FALSE(names.count("rootfs/d/1")) << "hidden by the opaque marker";
  EXPECT_TRUE(names.count("rootfs/d/2")) << "the opaque marker hides only lower layers, wherever it comes";
  EXPECT_TRUE(names.count("rootfs/f/now-a-dir")) << "a directory replaces a lower file";
  EXPECT_TRUE(names.count("rootfs/link")) << "a hard link to a lower layer's file";
  for (const auto& n : names) EXPECT_EQ(n.find(".wh."), std::string::npos) << n;
}

TEST_F(LayoutTest, WhatDoesNotMatchItsDescriptorIsRefused) {
  auto [bytes, diff_id] = layer(busybox_like);
  auto t = "application/vnd.oci.image.layer.v1.tar+gzip";
  image({{bytes, diff_id, t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  // A layer blob rewritten in place: its digest no longer matches.
  std::string layer_path = layout_ + "/blobs/sha256/" + sha256(bytes);
  std::string tampered = bytes;
  tampered[tampered.size() / 2] ^= 1;
  test::write_file(layer_path, tampered);
  auto r = convert();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::BadSignature);
  EXPECT_NE(r.error().message().find("does not match its digest"), std::string::npos) << r.error().message();

  // A diff_id that is not the layer's content.
  image({{bytes, "sha256:" + std::string(64, '0'), t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  r = convert();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("layer 1 of 1 does not match its diff_id"), std::string::npos)
      << r.error().message();

  // A size that is not the blob's.
  image({{bytes, diff_id, t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  Json index = Json::parse(test::read_file(layout_ + "/index.json"));
  index["manifests"][0]["size"] = index["manifests"][0]["size"].get<size_t>() + 1;
  test::write_file(layout_ + "/index.json", index.dump());
  r = convert();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("bytes, not the"), std::string::npos) << r.error().message();

  // A digest that would be a path out of the layout (CVE-2016-7569's class).
  index["manifests"][0]["digest"] = "sha256:../../../../etc/passwd";
  test::write_file(layout_ + "/index.json", index.dump());
  r = convert();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is not sha256 or sha512 in hex"), std::string::npos) << r.error().message();

  // A media type this does not apply is refused, not taken as empty (docker2aci's zstd bug).
  image({{bytes, diff_id, "application/vnd.example.layer.v9"}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  r = convert();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("which is not a layer this applies"), std::string::npos) << r.error().message();

  // A gzip media type over a plain tar.
  auto [plain, plain_id] = layer(busybox_like, "");
  image({{plain, plain_id, t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  r = convert();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is not gzip-compressed"), std::string::npos) << r.error().message();
  EXPECT_EQ(list_directory(staging_)->size(), 0u) << "nothing is left in the staging directory";
}

// gzip layers go through igzip: concatenated members are one stream (as gzip reads them), and a
// stream cut short or corrupted fails naming the layer.
TEST_F(LayoutTest, AGzipLayerIsReadWholeOrRefused) {
  auto t = "application/vnd.oci.image.layer.v1.tar+gzip";
  auto [plain, diff_id] = layer(busybox_like, "");
  test::write_file(tmp_ / "a", plain.substr(0, plain.size() / 3));
  test::write_file(tmp_ / "b", plain.substr(plain.size() / 3));
  ASSERT_EQ(test::run_command({"/bin/sh", "-c",
                               "gzip -c " + (tmp_ / "a") + " > " + (tmp_ / "ab.gz") + " && gzip -c " + (tmp_ / "b") +
                                   " >> " + (tmp_ / "ab.gz")})
                .exit_code,
            0);
  image({{test::read_file(tmp_ / "ab.gz"), diff_id, t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  {
    auto two = convert();
    ASSERT_TRUE(two) << two.error().message();
    EXPECT_TRUE(entry_names(two->path()).count("rootfs/bin/sh"));
  }

  auto [bytes, id] = layer(busybox_like);
  image({{bytes.substr(0, bytes.size() / 2), id, t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  auto cut = convert();
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message().find("layer 1 of 1"), std::string::npos) << cut.error().message();
  EXPECT_NE(cut.error().message().find("the gzip data is truncated"), std::string::npos) << cut.error().message();
  std::string corrupt = bytes;
  for (size_t i = 20; i < 60 && i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  image({{corrupt, id, t}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  auto bad = convert();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("layer 1 of 1"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("the gzip data is corrupt"), std::string::npos) << bad.error().message();
  EXPECT_EQ(list_directory(staging_)->size(), 0u) << "nothing is left in the staging directory";
}

TEST_F(LayoutTest, HostileLayersAreContained) {
  int n = 0;
  for (const auto& fill : std::vector<std::function<void(test::TarBuilder&)>>{
           [](test::TarBuilder& t) { t.file("../escape", "x"); },
           [](test::TarBuilder& t) { t.symlink("evil", "/tmp").file("evil/planted", "x"); },
           [](test::TarBuilder& t) { t.hardlink("link", "../../etc/passwd"); },
           [](test::TarBuilder& t) { t.file("twice", "1").file("twice", "2"); },
           [](test::TarBuilder& t) { t.file("d/.wh.", ""); },
       }) {
    ++n;
    auto [bytes, diff_id] = layer(fill);
    image({{bytes, diff_id, "application/vnd.oci.image.layer.v1.tar+gzip"}}, {{"config", Json::object()}});
    auto r = convert();
    EXPECT_FALSE(r) << "hostile layer " << n << " was applied";
  }
  EXPECT_EQ(::access("/tmp/planted", F_OK), -1);
}

TEST(OciPlatform, TheHostsOsArchitectureAndVariantChoose) {
  std::vector<Platform> offered = {{"windows", "amd64", ""}, {"linux", "arm", "v6"},   {"linux", "arm", "v7"},
                                   {"linux", "arm64", ""},   {"linux", "amd64", "v3"}, {"linux", "amd64", ""}};
  EXPECT_EQ(choose_platform(offered, {"linux", "amd64", ""}), 5u) << "no variant before an unknown one";
  EXPECT_EQ(choose_platform(offered, {"linux", "arm", "v7"}), 2u);
  EXPECT_EQ(choose_platform(offered, {"linux", "arm", "v8"}), 2u) << "the highest lower arm variant";
  EXPECT_EQ(choose_platform(offered, {"linux", "arm", "v5"}), std::nullopt) << "v6 code does not run on v5";
  EXPECT_EQ(choose_platform(offered, {"linux", "arm64", "v8"}), 3u) << "arm64 without a variant is v8";
  EXPECT_EQ(choose_platform({{"linux", "amd64", "v3"}}, {"linux", "amd64", ""}), 0u);
  EXPECT_EQ(choose_platform({{"linux", "arm64", "v9"}}, {"linux", "arm64", "v8"}), std::nullopt);
  EXPECT_EQ(choose_platform({{"linux", "s390x", ""}}, {"linux", "amd64", ""}), std::nullopt);
  EXPECT_EQ(host_platform().architecture, host_architecture());
}

TEST_F(LayoutTest, AnIndexIsResolvedToThisMachinesPlatform) {
  auto [bytes, diff_id] = layer(busybox_like);
  image({{bytes, diff_id, "application/vnd.oci.image.layer.v1.tar+gzip"}}, {{"config", {{"Entrypoint", {"/bin/sh"}}}}});
  Json index = Json::parse(test::read_file(layout_ + "/index.json"));
  Json ours = index["manifests"][0];
  ours.erase("annotations");
  ours["platform"] = {{"os", "linux"}, {"architecture", host_architecture()}};
  Json other = ours;
  other["platform"] = {{"os", "linux"}, {"architecture", "s390x"}};
  std::string inner =
      Json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", {other, ours}}}
          .dump();
  Json d = desc("application/vnd.oci.image.index.v1+json", blob(inner), inner.size());
  d["annotations"] = {{"org.opencontainers.image.ref.name", "multi"}};
  test::write_file(layout_ + "/index.json", Json{{"schemaVersion", 2}, {"manifests", {d}}}.dump());
  auto aci = convert("multi");
  ASSERT_TRUE(aci) << aci.error().message();
  auto missing = convert("nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("no image named \"nope\" in the layout (it has: multi)"), std::string::npos)
      << missing.error().message();
}

// A `docker save` file, made by hand: manifest.json, the config named by its digest, and the
// layers (uncompressed, named as docker names them, the second a symlink to the first's).
class DockerArchiveTest : public LayoutTest {
 protected:
  std::string save(const std::string& layer_tar, Json config, const std::string& config_name = "",
                   const std::function<void(test::TarBuilder&)>& extra = {}) {
    config["os"] = "linux";
    config["architecture"] = host_architecture();
    config["rootfs"] = {{"type", "layers"}, {"diff_ids", {"sha256:" + sha256(layer_tar)}}};
    std::string cfg = config.dump();
    std::string name = config_name.empty() ? sha256(cfg) + ".json" : config_name;
    Json manifest =
        Json::array({{{"Config", name}, {"RepoTags", {"example.com/web:2.0"}}, {"Layers", {"abc/layer.tar"}}}});
    std::string out = tmp_ / "save.tar";
    test::TarBuilder t(out);
    t.file("manifest.json", manifest.dump()).file(name, cfg).file("l1.tar", layer_tar).dir("abc");
    t.symlink("abc/layer.tar", "../l1.tar");
    if (extra) extra(t);
    return out;
  }
  Result<TempFile> convert_save(const std::string& path, const std::string& ref = "") {
    return docker_archive_to_aci({path, ref}, "docker-archive:" + path, staging_, "\"save\"", ExtractLimits{});
  }
  std::string layer_tar() {
    std::string p = tmp_ / "layer.tar";
    {
      test::TarBuilder t(p);
      busybox_like(t);
    }
    return test::read_file(p);
  }
};

TEST_F(DockerArchiveTest, ASaveFileBecomesOneImageNamedByItsTag) {
  auto aci = convert_save(save(layer_tar(), {{"config", {{"Cmd", {"/bin/sh"}}}}}), "example.com/web:2.0");
  ASSERT_TRUE(aci) << aci.error().message();
  auto m = aci::read_manifest_only(aci->path());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "example.com/web");
  EXPECT_EQ(*spec::find_label(m->labels, "version"), "2.0");
  EXPECT_TRUE(entry_names(aci->path()).count("rootfs/bin/sh"));
  auto other = convert_save(save(layer_tar(), {{"config", Json::object()}}), "example.com/other");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message().find("(it has: example.com/web:2.0)"), std::string::npos);
}

TEST_F(DockerArchiveTest, WhatDoesNotMatchIsRefusedAndNothingLeavesTheArchive) {
  std::string layer = layer_tar();
  auto renamed = convert_save(save(layer, {{"config", Json::object()}}, std::string(64, 'a') + ".json"));
  ASSERT_FALSE(renamed);
  EXPECT_NE(renamed.error().message().find("does not match its name"), std::string::npos) << renamed.error().message();
  // A layer whose content is not what the config's diff_id says.
  std::string path = save(layer, {{"config", Json::object()}}, "", [](test::TarBuilder&) {});
  Json cfg = {{"os", "linux"},
              {"architecture", host_architecture()},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + std::string(64, '0')}}}}};
  {
    std::string c = cfg.dump();
    test::TarBuilder t(path);
    t.file("manifest.json", Json::array({{{"Config", "c.json"}, {"Layers", {"l1.tar"}}}}).dump());
    t.file("c.json", c).file("l1.tar", layer);
  }
  auto wrong = convert_save(path);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("does not match its diff_id"), std::string::npos) << wrong.error().message();
  // Layer names are names inside the archive, never paths out of it (CVE-2016-7569's class).
  {
    test::TarBuilder t(path);
    t.file("manifest.json", Json::array({{{"Config", "c.json"}, {"Layers", {"../../etc/passwd"}}}}).dump());
    t.file("c.json", cfg.dump());
  }
  auto escape = convert_save(path);
  ASSERT_FALSE(escape);
  EXPECT_NE(escape.error().message().find("is not a name inside the archive"), std::string::npos)
      << escape.error().message();
  {
    test::TarBuilder t(path);
    t.file("manifest.json", "[]").symlink("l1.tar", "/etc/passwd");
  }
  auto link = convert_save(path);
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().message().find("points outside the archive"), std::string::npos) << link.error().message();
  EXPECT_EQ(list_directory(staging_)->size(), 0u) << "nothing is left in the staging directory";
}

}  // namespace
}  // namespace rkt::stage0::oci
