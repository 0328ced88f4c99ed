// OCI images from image layouts (oci:DIR[:REF]), built here with Debian's umoci from
// busybox-static, fetched and run by the real rkt.

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

constexpr const char* kUmoci = "/usr/bin/umoci";

class OciTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    RKT_REQUIRE(::access(kUmoci, X_OK) == 0, "umoci");
    RKT_REQUIRE(::access("/bin/busybox", X_OK) == 0, "busybox-static");
    layout_ = tmp_ / "layout";
    umoci({"init", "--layout", layout_});
    umoci({"new", "--image", layout_ + ":1.0"});
    std::string bundle = tmp_ / "bundle";
    umoci({"unpack", "--rootless", "--image", layout_ + ":1.0", bundle});
    std::string root = bundle + "/rootfs";
    for (const char* d : {"/bin", "/etc", "/srv"}) ::mkdir((root + d).c_str(), 0755);
    EXPECT_EQ(run_command({"/bin/cp", "/bin/busybox", root + "/bin/busybox"}).exit_code, 0);
    for (const char* a : {"sh", "id", "pwd", "cat", "echo"}) ::symlink("busybox", (root + "/bin/" + a).c_str());
    write_file(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1001::/srv:/bin/sh\n");
    write_file(root + "/etc/group", "root:x:0:\nweb:x:1001:\n");
    write_file(root + "/srv/greeting", "hello from an OCI image\n");
    umoci({"repack", "--image", layout_ + ":1.0", bundle});
    umoci({"config", "--image", layout_ + ":1.0", "--config.entrypoint", "sh", "--config.cmd", "-c", "--config.cmd",
           "id -u; id -g; pwd; cat greeting; echo $GREETING", "--config.env", "GREETING=hi there", "--config.user",
           "web", "--config.workingdir", "/srv", "--config.exposedports", "8080/tcp"});
  }
  void TearDown() override {
    if (registry_ > 0) {
      ::kill(registry_, SIGTERM);
      int st = 0;
      ::waitpid(registry_, &st, 0);
    }
    RunTest::TearDown();
  }
  // Debian's docker-registry, on loopback of the test's own network namespace (stopped in
  // TearDown); `auth` is its configuration's auth section.
  void start_registry(const std::string& auth = "") {
    RKT_REQUIRE(::access("/usr/bin/docker-registry", X_OK) == 0, "docker-registry");
    RKT_REQUIRE(::access("/usr/bin/skopeo", X_OK) == 0, "skopeo");
    write_file(tmp_ / "registry.yml",
               "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: " + (tmp_ / "registry") +
                   "\nhttp:\n  addr: 127.0.0.1:5000\n" + auth);
    registry_ =
        spawn_to_file({"/bin/sh", "-c", "exec /usr/bin/docker-registry serve " + (tmp_ / "registry.yml") + " 2>&1"},
                      tmp_ / "registry.log");
    ASSERT_TRUE(wait_for_text(tmp_ / "registry.log", "listening on", std::chrono::seconds(20)))
        << read_file(tmp_ / "registry.log");
  }
  // skopeo copies a tag of the layout into the registry.
  void push(const std::string& tag, const std::string& dest, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"/usr/bin/skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("oci:" + layout_ + ":" + tag);
    argv.push_back("docker://127.0.0.1:5000/" + dest);
    auto r = run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The blob digests the registry was asked for so far (GETs of /v2/.../blobs/<digest>).
  std::vector<std::string> blob_gets() {
    std::vector<std::string> out;
    std::string log = read_file(tmp_ / "registry.log");
    const std::string get = "http.request.method=GET", uri = "http.request.uri=\"/v2/";
    for (const auto& line : split_lines(log)) {
      size_t u = line.find(uri);
      if (line.find(get) == std::string::npos || line.find("response completed") == std::string::npos ||
          u == std::string::npos)
        continue;
      size_t b = line.find("/blobs/", u);
      size_t end = line.find('"', u + uri.size());
      if (b != std::string::npos && b < end) out.push_back(line.substr(b + 7, end - b - 7));
    }
    return out;
  }
  static std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1)
      out.push_back(s.substr(start, nl - start));
    return out;
  }
  void remove_all_images() {
    auto ids = rkt({"image", "list", "--no-legend", "--fields=id"});
    ASSERT_EQ(ids.exit_code, 0) << ids.err;
    for (const auto& id : split_lines(ids.out)) {
      auto r = rkt({"image", "rm", id});
      ASSERT_EQ(r.exit_code, 0) << id << ": " << r.err;
    }
  }
  // How many layer blobs and layer records the store keeps.
  std::string kept_files() {
    return run_command({"/bin/sh", "-c",
                        "find " + (tmp_ / "data/cas/layer") + " " + (tmp_ / "data/cas/layerref") + " -type f | wc -l"})
        .out;
  }
  // The chain IDs of the layer trees the store keeps.
  std::vector<std::string> kept_trees() {
    auto out = run_command({"/bin/ls", tmp_ / "data/cas/layertree"}).out;
    return split_lines(out);
  }
  // rkt's auth.d file with the test registry's credentials (puller:s3cret).
  void write_docker_auth() {
    ::mkdir((tmp_ / "etc").c_str(), 0755);
    ::mkdir((tmp_ / "etc/auth.d").c_str(), 0755);
    write_file(tmp_ / "etc/auth.d/registry.json", R"({"rktKind":"dockerAuth","rktVersion":"v1",
      "registries":["127.0.0.1:5000"],"credentials":{"user":"puller","password":"s3cret"}})");
  }
  pid_t registry_ = -1;

  // A new tag of the layout: the `from` image with /srv/greeting changed, as one more layer.
  void derive(const std::string& tag, const std::string& greeting, const std::string& from = "1.0") {
    std::string bundle = tmp_ / ("bundle-" + tag);
    umoci({"unpack", "--rootless", "--image", layout_ + ":" + from, bundle});
    write_file(bundle + "/rootfs/srv/greeting", greeting);
    umoci({"repack", "--image", layout_ + ":" + tag, bundle});
  }
  void umoci(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {std::string(kUmoci)};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string layout_;
};

TEST_F(OciTest, AnImageLayoutRunsWithItsEntrypointUserAndWorkingDirectory) {
  auto r = rkt({"run", "--net=host", "oci:" + layout_ + ":1.0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1000\n1001\n/srv\nhello from an OCI image\nhi there\n");
  EXPECT_NE(r.err.find("is not signed; its blobs are checked against their digests"), std::string::npos) << r.err;
  auto list = rkt({"image", "list", "--no-legend", "--fields=name"});
  EXPECT_NE(list.out.find("layout"), std::string::npos) << list.out;
  auto manifest = rkt({"image", "cat-manifest", "layout:1.0"});
  EXPECT_NE(manifest.out.find(R"("8080-tcp")"), std::string::npos) << manifest.out;
}

// Docker's volumes: a mount point with no volume given gets an implicit volume that starts with
// what the image has at that path, and outlives the app's writes until gc.
TEST_F(OciTest, ADockerVolumeStartsWithTheImageContentAtItsPath) {
  umoci({"config", "--image", layout_ + ":1.0", "--tag", "vol", "--config.volume", "/srv", "--config.cmd", "-c",
         "--config.cmd", "cat greeting; echo written >new; ls -ln /srv"});
  auto r = rkt({"run", "--net=host", "oci:" + layout_ + ":vol", "--user=0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hello from an OCI image\n"), std::string::npos) << r.out;
  auto seeded = run_command({"/bin/sh", "-c", "cat " + (tmp_ / "data/pods/*/*/volumes/*-volume-srv/greeting")});
  EXPECT_EQ(seeded.out, "hello from an OCI image\n") << seeded.err;
  auto written = run_command({"/bin/sh", "-c", "cat " + (tmp_ / "data/pods/*/*/volumes/*-volume-srv/new")});
  EXPECT_EQ(written.out, "written\n") << "the app wrote into the volume, not its root";
}

TEST_F(OciTest, DockerSaveFilesAndOciArchivesFromSkopeoRunToo) {
  RKT_REQUIRE(::access("/usr/bin/skopeo", X_OK) == 0, "skopeo");
  std::string saved = tmp_ / "web.tar", archived = tmp_ / "web-oci.tar";
  auto s1 = run_command({"/usr/bin/skopeo", "--insecure-policy", "copy", "oci:" + layout_ + ":1.0",
                         "docker-archive:" + saved + ":example.com/web:2.0"});
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  auto s2 = run_command(
      {"/usr/bin/skopeo", "--insecure-policy", "copy", "oci:" + layout_ + ":1.0", "oci-archive:" + archived + ":3.0"});
  ASSERT_EQ(s2.exit_code, 0) << s2.err;
  for (const std::string& image : {"docker-archive:" + saved + ":example.com/web:2.0", "oci-archive:" + archived}) {
    auto r = rkt({"run", "--net=host", image});
    ASSERT_EQ(r.exit_code, 0) << image << ": " << r.err;
    EXPECT_EQ(r.out, "1000\n1001\n/srv\nhello from an OCI image\nhi there\n") << image;
  }
  auto names = rkt({"image", "list", "--no-legend", "--fields=name"});
  EXPECT_NE(names.out.find("example.com/web:2.0"), std::string::npos) << names.out;
  EXPECT_NE(names.out.find("web-oci:3.0"), std::string::npos) << names.out;
}

// Debian's docker-registry, on loopback of the test's own network namespace, filled by skopeo.
TEST_F(OciTest, ARegistryImageIsFetchedVerifiedAndRun) {
  start_registry();
  if (HasFatalFailure()) return;
  push("1.0", "test/web:1.0");
  push("1.0", "test/web:zstd", {"--dest-compress-format=zstd"});
  std::string storage = tmp_ / "registry";

  auto no_http = rkt({"fetch", "docker://127.0.0.1:5000/test/web:1.0"});
  EXPECT_EQ(no_http.exit_code, 254);
  EXPECT_NE(no_http.err.find("a plain-http registry needs --insecure-options=http"), std::string::npos) << no_http.err;
  for (const char* ref : {"docker://127.0.0.1:5000/test/web:1.0", "docker:127.0.0.1:5000/test/web:zstd"}) {
    auto r = rkt({"--insecure-options=image,http", "run", "--net=host", ref});
    EXPECT_EQ(r.exit_code, 0) << ref << ": " << r.err;
    EXPECT_EQ(r.out, "1000\n1001\n/srv\nhello from an OCI image\nhi there\n") << ref;
  }
  auto manifest = rkt({"image", "cat-manifest", "127.0.0.1_5000/test/web:1.0"});
  EXPECT_NE(manifest.out.find("appc.io/docker/repository"), std::string::npos) << manifest.out;

  // Fetched before, by the same reference: reused without the registry, unless asked to update.
  ::kill(registry_, SIGSTOP);
  auto reused =
      rkt({"--insecure-options=image,http", "fetch", "--pull-policy=new", "docker://127.0.0.1:5000/test/web:1.0"});
  EXPECT_EQ(reused.exit_code, 0) << "the stopped registry was not asked: " << reused.err;
  auto never =
      rkt({"--insecure-options=image,http", "fetch", "--pull-policy=never", "docker://127.0.0.1:5000/test/web:9"});
  EXPECT_EQ(never.exit_code, 254);
  EXPECT_NE(never.err.find("--pull-policy=never"), std::string::npos) << never.err;
  ::kill(registry_, SIGCONT);

  // A blob changed in the registry's storage: served as it is, refused by its digest (once the
  // image, and with it its layers kept in the store, is removed).
  remove_all_images();
  auto blobs = run_command({"/bin/sh", "-c", "find " + storage + " -path '*blobs*' -name data -size +100k"});
  ASSERT_FALSE(blobs.out.empty());
  std::string blob = blobs.out.substr(0, blobs.out.find('\n'));
  std::string bytes = read_file(blob);
  bytes[bytes.size() / 2] ^= 1;
  write_file(blob, bytes);
  auto tampered =
      rkt({"--insecure-options=image,http", "fetch", "--pull-policy=update", "docker://127.0.0.1:5000/test/web:1.0"});
  EXPECT_EQ(tampered.exit_code, 254);
  EXPECT_NE(tampered.err.find("does not match its digest"), std::string::npos) << tampered.err;
  auto missing = rkt({"--insecure-options=image,http", "fetch", "docker://127.0.0.1:5000/test/nothere:1.0"});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("answered HTTP 404"), std::string::npos) << missing.err;
}

// An OCI index and a Docker manifest list, put into the registry as clients do: rkt chooses
// linux and this machine's architecture, wherever it is in the list, and fetches it by digest.
TEST_F(OciTest, IndexesAndManifestListsResolveToThisMachinesPlatform) {
  derive("other", "the other platform's image\n");
  start_registry();
  if (HasFatalFailure()) return;
  push("1.0", "test/multi:oci-native");
  push("other", "test/multi:oci-other");
  push("1.0", "test/multi:docker-native", {"--format=v2s2"});
  push("other", "test/multi:docker-other", {"--format=v2s2"});
  // A list of two manifests: the other image for a platform this machine is not, first.
  const char* script = R"(
import hashlib, json, sys, urllib.request
base = 'http://127.0.0.1:5000/v2/test/multi/manifests/'
def get(tag, accept):
    req = urllib.request.Request(base + tag, headers={'Accept': accept})
    with urllib.request.urlopen(req) as r:
        body = r.read()
        return {'mediaType': r.headers['Content-Type'], 'size': len(body),
                'digest': 'sha256:' + hashlib.sha256(body).hexdigest()}
arch = sys.argv[1]
for kind, accept, list_type in [
        ('oci', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'),
        ('docker', 'application/vnd.docker.distribution.manifest.v2+json',
         'application/vnd.docker.distribution.manifest.list.v2+json')]:
    other, native = get(kind + '-other', accept), get(kind + '-native', accept)
    other['platform'] = {'os': 'linux', 'architecture': 'riscv64' if arch != 'riscv64' else 's390x'}
    native['platform'] = {'os': 'linux', 'architecture': arch}
    body = json.dumps({'schemaVersion': 2, 'mediaType': list_type, 'manifests': [other, native]}).encode()
    req = urllib.request.Request(base + kind + '-list', data=body, method='PUT', headers={'Content-Type': list_type})
    urllib.request.urlopen(req).read()
    only = json.dumps({'schemaVersion': 2, 'mediaType': list_type, 'manifests': [other]}).encode()
    req = urllib.request.Request(base + kind + '-foreign', data=only, method='PUT', headers={'Content-Type': list_type})
    urllib.request.urlopen(req).read()
)";
  auto arch = run_command({"/usr/bin/dpkg", "--print-architecture"});
  ASSERT_EQ(arch.exit_code, 0);
  auto put = run_command({"/usr/bin/python3", "-c", script, arch.out.substr(0, arch.out.find('\n'))});
  ASSERT_EQ(put.exit_code, 0) << put.err;

  for (const char* kind : {"oci", "docker"}) {
    std::string ref = std::string("docker://127.0.0.1:5000/test/multi:") + kind + "-list";
    auto r = rkt({"--insecure-options=image,http", "run", "--net=host", ref});
    EXPECT_EQ(r.exit_code, 0) << ref << ": " << r.err;
    EXPECT_NE(r.out.find("hello from an OCI image"), std::string::npos) << ref << ": " << r.out;
    std::string foreign = std::string("docker://127.0.0.1:5000/test/multi:") + kind + "-foreign";
    auto f = rkt({"--insecure-options=image,http", "fetch", foreign});
    EXPECT_EQ(f.exit_code, 254) << foreign;
    EXPECT_NE(f.err.find("has no manifest for linux/"), std::string::npos) << f.err;
    EXPECT_NE(f.err.find("(it has: linux/"), std::string::npos) << f.err;
  }
}

// Layer blobs are kept in the store by digest: an update that changes one layer downloads that
// layer (and the config) only, and the blobs go when the images that use them do.
TEST_F(OciTest, AnUpdateDownloadsOnlyTheLayersThatChanged) {
  derive("2.0", "hello from the second version\n");
  start_registry();
  if (HasFatalFailure()) return;
  push("1.0", "test/app:latest");
  size_t before = blob_gets().size();
  auto first = rkt({"--insecure-options=image,http", "fetch", "docker://127.0.0.1:5000/test/app"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto fetched = blob_gets();
  ASSERT_EQ(fetched.size() - before, 2u) << "the config and the one layer";
  EXPECT_EQ(kept_files(), "2\n") << "the layer and the record of it";

  // The same manifest again: nothing more is downloaded.
  auto same =
      rkt({"--insecure-options=image,http", "fetch", "--pull-policy=update", "docker://127.0.0.1:5000/test/app"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out, first.out) << "the same image";
  EXPECT_EQ(blob_gets().size(), fetched.size()) << "an unchanged manifest fetches no blob";

  push("2.0", "test/app:latest");
  before = blob_gets().size();
  auto update = rkt({"--insecure-options=image,http", "run", "--net=host", "--pull-policy=update",
                     "docker://127.0.0.1:5000/test/app"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_NE(update.out.find("hello from the second version"), std::string::npos) << update.out;
  auto second = blob_gets();
  ASSERT_EQ(second.size() - before, 2u) << "the new config and the new layer, not the one already kept";
  for (size_t i = before; i < second.size(); ++i) {
    EXPECT_EQ(std::count(fetched.begin(), fetched.end(), second[i]), 0) << second[i] << " was downloaded again";
  }

  EXPECT_EQ(kept_trees().size(), 2u) << "the trees of the first layer and of both layers";

  // Both images keep the shared layer; removing both removes every kept blob and tree.
  remove_all_images();
  EXPECT_EQ(kept_files(), "0\n");
  EXPECT_EQ(kept_trees().size(), 0u);
}

// The image of an update whose lower layers are the same starts from their kept tree: only the
// layers above it are applied.
TEST_F(OciTest, AnUpdateAppliesOnlyTheLayersAboveTheKeptTree) {
  derive("2.0", "second\n");
  derive("3.0", "third\n", "2.0");
  derive("4.0", "fourth\n", "2.0");
  start_registry();
  if (HasFatalFailure()) return;
  push("3.0", "test/app:latest");
  auto first = rkt({"--insecure-options=image,http", "fetch", "docker://127.0.0.1:5000/test/app"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto trees = kept_trees();
  ASSERT_EQ(trees.size(), 2u) << "the trees of all three layers and of the two below the top";
  // A mark in each kept tree shows which one an image was made from.
  for (const auto& t : trees) write_file(tmp_ / ("data/cas/layertree/" + t + "/srv/mark"), t + "\n");

  push("4.0", "test/app:latest");
  auto update = rkt({"--insecure-options=image,http", "run", "--net=host", "--pull-policy=update",
                     "docker://127.0.0.1:5000/test/app", "--exec=/bin/cat", "--", "/srv/greeting", "/srv/mark"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_NE(update.out.find("fourth"), std::string::npos) << "the top layer is applied: " << update.out;
  size_t from = 0;
  for (const auto& t : trees) from += update.out.find(t) != std::string::npos;
  EXPECT_EQ(from, 1u) << "the lower two layers come from their kept tree: " << update.out;
  EXPECT_EQ(kept_trees().size(), 3u);

  // A kept tree that cannot be linked in (here: nested deeper than a tree may be) is not used, and
  // the image is made from the blobs.
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "/d";
  for (const auto& t : kept_trees()) {
    ASSERT_EQ(run_command({"/bin/mkdir", "-p", tmp_ / ("data/cas/layertree/" + t + deep)}).exit_code, 0);
  }
  push("3.0", "test/app:latest");
  auto again = rkt({"--insecure-options=image,http", "run", "--net=host", "--pull-policy=update",
                    "docker://127.0.0.1:5000/test/app", "--exec=/bin/sh", "--", "-c", "cat /srv/greeting; ls /srv /"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("third"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("mark"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("\nd\n"), std::string::npos) << again.out;
  // The two it tried are made again; the tree of the 4.0 layers was not tried.
  auto broken = run_command({"/bin/sh", "-c", "ls -d " + (tmp_ / "data/cas/layertree") + "/*/d | wc -l"});
  EXPECT_EQ(broken.out, "1\n");
}

// rktlet's image pull: `rkt image <globals> fetch --pull-policy=update --full=true docker://NAME:TAG`,
// stdout and stderr read together, the last line taken as the image ID (the test registry is plain
// http, hence the one addition, "http").
TEST_F(OciTest, RktletImageFetchEndsWithTheFullImageId) {
  start_registry();
  if (HasFatalFailure()) return;
  push("1.0", "test/app:1.0");
  auto r = run_command({"/bin/sh", "-c",
                        rkt_binary() + " image --debug=false --dir=" + (tmp_ / "data") +
                            " --insecure-options=image,ondisk,http fetch --pull-policy=update --full=true "
                            "docker://127.0.0.1:5000/test/app:1.0 2>&1"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto all = split_lines(r.out);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().size(), 7u + 64) << r.out;
  EXPECT_EQ(all.back().rfind("sha512-", 0), 0u) << r.out;
  auto listed = rkt({"image", "list", "--full", "--no-legend", "--fields=id"});
  EXPECT_EQ(listed.out, all.back() + "\n");
}

// The registry with htpasswd (basic) authentication; rkt's dockerAuth files give the credentials.
TEST_F(OciTest, ARegistryThatWantsCredentialsGetsThemFromDockerAuthFiles) {
  auto hash = run_command(
      {"/usr/bin/python3", "-c", "import crypt; print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH)))"});
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  write_file(tmp_ / "htpasswd", "puller:" + hash.out);
  start_registry("auth:\n  htpasswd:\n    realm: test\n    path: " + (tmp_ / "htpasswd") + "\n");
  if (HasFatalFailure()) return;
  push("1.0", "private/web:1.0", {"--dest-creds=puller:s3cret"});
  auto refused = rkt({"--insecure-options=image,http", "fetch", "docker://127.0.0.1:5000/private/web:1.0"});
  EXPECT_EQ(refused.exit_code, 254);
  EXPECT_NE(refused.err.find("refused access (HTTP 401)"), std::string::npos) << refused.err;
  // From --user-config, as rkt read it (after the system and local directories), in the kubelet's
  // form: a temporary user configuration with the pull secret, and fetch --no-store.
  write_docker_auth();
  ASSERT_EQ(::rename((tmp_ / "etc").c_str(), (tmp_ / "user").c_str()), 0);
  auto user = rkt({"--insecure-options=image,http", "--user-config=" + (tmp_ / "user"), "fetch", "--no-store",
                   "docker://127.0.0.1:5000/private/web:1.0"});
  EXPECT_EQ(user.exit_code, 0) << user.err;
  ASSERT_EQ(rkt({"image", "rm", "127.0.0.1_5000/private/web:1.0"}).exit_code, 0);
  write_docker_auth();
  auto r = rkt({"--insecure-options=image,http", "run", "--net=host", "docker://127.0.0.1:5000/private/web:1.0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hello from an OCI image"), std::string::npos) << r.out;
}

// The registry with token authentication: its challenge names a token service (tests/integration/
// token_server.py, signing with a certificate the registry trusts), which wants the credentials
// of rkt's dockerAuth files; the token it gives is what the registry gets.
TEST_F(OciTest, ATokenRegistryIsAnsweredWithATokenFromItsService) {
  auto cert = run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           tmp_ / "token.key", "-out", tmp_ / "token.crt", "-days", "2", "-subj", "/CN=test-issuer"});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  pid_t tokens = spawn_to_file({"/usr/bin/python3", RKT_TEST_SOURCE_DIR "/token_server.py", "--port=5001",
                                "--key=" + (tmp_ / "token.key"), "--cert=" + (tmp_ / "token.crt"),
                                "--issuer=test-issuer", "--credentials=puller:s3cret", "--log=" + (tmp_ / "token.log")},
                               tmp_ / "token.out");
  struct Stop {
    pid_t pid;
    ~Stop() {
      ::kill(pid, SIGTERM);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
  } stop{tokens};
  ASSERT_TRUE(wait_for_text(tmp_ / "token.out", "listening", std::chrono::seconds(20)))
      << read_file(tmp_ / "token.out");
  start_registry(
      "auth:\n  token:\n    realm: http://127.0.0.1:5001/token\n    service: test-registry\n"
      "    issuer: test-issuer\n    rootcertbundle: " +
      (tmp_ / "token.crt") + "\n");
  if (HasFatalFailure()) return;
  push("1.0", "private/web:1.0", {"--dest-creds=puller:s3cret"});

  auto refused = rkt({"--insecure-options=image,http", "fetch", "docker://127.0.0.1:5000/private/web:1.0"});
  EXPECT_EQ(refused.exit_code, 254);
  EXPECT_NE(refused.err.find("getting a token from \"http://127.0.0.1:5001/token\""), std::string::npos) << refused.err;
  write_docker_auth();
  ::truncate((tmp_ / "token.log").c_str(), 0);
  auto r = rkt({"--insecure-options=image,http", "run", "--net=host", "docker://127.0.0.1:5000/private/web:1.0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hello from an OCI image"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(tmp_ / "token.log"),
            "/token?service=test-registry&scope=repository%3Aprivate%2Fweb%3Apull 200 Basic\n")
      << "one token, asked for with the credentials, for the scope the registry named";
}

TEST_F(OciTest, SignatureChecksAreNotSilentlySkipped) {
  auto r = run_command({rkt_binary(), "--dir=" + (tmp_ / "data"), "fetch", "oci:" + layout_ + ":1.0"});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.err.find("signature verification for OCI images is not supported (try --insecure-options=image"),
            std::string::npos)
      << r.err;
  auto missing = rkt({"fetch", "oci:" + layout_ + ":2.0"});
  EXPECT_EQ(missing.exit_code, 254);
  EXPECT_NE(missing.err.find("no image named \"2.0\" in the layout (it has: 1.0)"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace rkt::test
