#include "stage0/store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>

#include <gtest/gtest.h>

#include "common/unique_fd.h"
#include "tests/support/command.h"
#include "tests/support/tar_builder.h"

namespace rkt::stage0 {
namespace {

using test::manifest_for;
using test::TarBuilder;

class StoreTest : public ::testing::Test {
 protected:
  std::string image(const std::string& file, const std::string& name, const std::string& extra = "",
                    const std::string& filter = "gzip", const std::string& content = "hello") {
    std::string path = tmp_ / file;
    TarBuilder t(path, filter);
    t.image(manifest_for(name, extra)).dir("rootfs/etc").file("rootfs/etc/" + file, content);
    return path;
  }
  Store open() {
    auto s = Store::open(tmp_ / "data");
    EXPECT_TRUE(s) << s.error().message();
    return std::move(*s);
  }
  test::TempDir tmp_;
};

TEST_F(StoreTest, ImportFromAPipeReadsItOnce) {
  Store store = open();
  std::string gz = image("p.aci", "example.com/p");
  auto want = store.import(gz, "\"p.aci\"");
  ASSERT_TRUE(want) << want.error().message();
  ASSERT_TRUE(store.remove(*want));
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    std::string data = test::read_file(gz);
    ssize_t n = ::write(p[1], data.data(), data.size());
    _exit(n == static_cast<ssize_t>(data.size()) ? 0 : 1);
  }
  ::close(p[1]);
  auto key = store.import(p[0], "the pipe");
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(*key, *want);
  auto tree = store.tree_dir(*key);
  ASSERT_TRUE(tree);
  EXPECT_EQ(test::read_file(*tree + "/rootfs/etc/p.aci"), "hello");
}

// A scratch copy (a download, a verified copy) is emptied once read, so that the commit's flush
// does not write it out; the caller's own file is never touched.
TEST_F(StoreTest, ImportEmptiesAScratchInputAndNeverTheCallersFile) {
  Store store = open();
  std::string gz = image("s.aci", "example.com/s");
  std::string data = test::read_file(gz);
  for (Store::Input input : {Store::Input::Kept, Store::Input::Scratch}) {
    std::string path = tmp_ / "input.aci";
    test::write_file(path, data);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    auto key = store.import(fd.get(), "\"input.aci\"", nullptr, input);
    ASSERT_TRUE(key) << key.error().message();
    auto tree = store.tree_dir(*key);
    ASSERT_TRUE(tree);
    EXPECT_EQ(test::read_file(*tree + "/rootfs/etc/s.aci"), "hello");
    EXPECT_EQ(test::read_file(path), input == Store::Input::Kept ? data : "");
    ASSERT_TRUE(store.remove(*key));
  }
}

TEST_F(StoreTest, ImportHashesTheUncompressedTarAndRendersTheTree) {
  Store store = open();
  std::string plain = image("a.tar", "example.com/a", "", "");
  std::string gz = tmp_ / "a.tar.gz";
  ASSERT_EQ(test::run_command({"/bin/sh", "-c", "gzip -c " + plain + " > " + gz}).exit_code, 0);
  auto k1 = store.import(plain, "\"a.tar\"");
  ASSERT_TRUE(k1) << k1.error().message();
  std::string want = "sha512-" + sha512_hex(test::read_file(plain)).substr(0, 64);
  EXPECT_EQ(*k1, want);
  auto k2 = store.import(gz, "\"a.tar.gz\"");
  ASSERT_TRUE(k2) << k2.error().message();
  EXPECT_EQ(*k2, *k1) << "compression does not change the key";
  EXPECT_EQ(test::read_file(store.blob_path(*k1)), test::read_file(plain));
  auto tree = store.tree_dir(*k1);
  ASSERT_TRUE(tree);
  EXPECT_EQ(test::read_file(*tree + "/rootfs/etc/a.tar"), "hello");
  auto listed = store.list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].manifest.name, "example.com/a");
  EXPECT_GT((*listed)[0].size, 0u);
}

TEST_F(StoreTest, OwnersModesMtimesAndXattrsAreKept) {
  RKT_REQUIRE(::geteuid() == 0, "root, to keep owners");
  std::string path = tmp_ / "meta.aci";
  {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_filename(a, path.c_str());
    auto add = [&](const char* name, mode_t mode, uid_t uid, const std::string& data, bool xattr) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name);
      archive_entry_set_mode(e, mode);
      archive_entry_set_uid(e, uid);
      archive_entry_set_gid(e, uid + 1);
      archive_entry_set_mtime(e, 1234567890, 0);
      archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
      if (xattr) archive_entry_xattr_add_entry(e, "user.origin", "test", 4);
      archive_write_header(a, e);
      if (!data.empty()) archive_write_data(a, data.data(), data.size());
      archive_entry_free(e);
    };
    std::string m = manifest_for("example.com/meta");
    add("manifest", AE_IFREG | 0644, 0, m, false);
    add("rootfs", AE_IFDIR | 0755, 0, "", false);
    add("rootfs/file", AE_IFREG | 02750, 1000, "data", true);
    add("rootfs/dir", AE_IFDIR | 0700, 1001, "", false);
    archive_write_close(a);
    archive_write_free(a);
  }
  Store store = open();
  auto k = store.import(path, "meta");
  ASSERT_TRUE(k) << k.error().message();
  std::string root = *store.tree_dir(*k) + "/rootfs";
  struct stat st {};
  ASSERT_EQ(::stat((root + "/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mode & 07777, 02750u);
  EXPECT_EQ(st.st_mtime, 1234567890);
  char value[16] = {};
  ssize_t n = ::getxattr((root + "/file").c_str(), "user.origin", value, sizeof value);
  RKT_REQUIRE(!(n < 0 && errno == ENOTSUP), "a filesystem with user xattrs under /tmp");
  EXPECT_EQ(std::string(value, static_cast<size_t>(std::max<ssize_t>(n, 0))), "test");
  ASSERT_EQ(::stat((root + "/dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1001u);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_mtime, 1234567890);
}

TEST_F(StoreTest, EveryCompressionIsDetected) {
  Store store = open();
  std::set<std::string> keys;
  for (const char* f : {"", "gzip", "bzip2", "xz", "zstd"}) {
    std::string p = tmp_ / (std::string("c-") + f + ".aci");
    {
      TarBuilder t(p, f);
      t.image(manifest_for("example.com/c")).dir("rootfs/etc").file("rootfs/etc/c", "same");
    }
    auto k = store.import(p, p);
    ASSERT_TRUE(k) << f << ": " << k.error().message();
    keys.insert(*k);
  }
  EXPECT_EQ(keys.size(), 1u) << "one tar, whatever reader decompressed it (igzip for gzip, libarchive otherwise)";
}

TEST_F(StoreTest, ResolveFindAndRemove) {
  Store store = open();
  auto a1 = store.import(image("a1.aci", "example.com/a", R"(,"labels":[{"name":"version","value":"1"}])"), "a1");
  auto a2 = store.import(image("a2.aci", "example.com/a", R"(,"labels":[{"name":"version","value":"2"}])"), "a2");
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(*store.resolve(a1->substr(0, 20)), *a1);
  EXPECT_EQ(store.resolve("sha512-zz").error().code(), Errc::NotFound);
  EXPECT_EQ(store.resolve("md5-00").error().code(), Errc::InvalidArgument);
  EXPECT_EQ(**store.find("example.com/a", {{"version", "1"}}), *a1);
  EXPECT_EQ(**store.find("example.com/a", {}), *a2) << "the latest import wins";
  EXPECT_FALSE(*store.find("example.com/a", {{"version", "3"}}));
  ASSERT_TRUE(store.remove(*a1));
  EXPECT_FALSE(store.info(*a1));
  EXPECT_NE(::access(store.blob_path(*a1).c_str(), F_OK), 0);
  EXPECT_EQ(store.remove(*a1).error().code(), Errc::NotFound);
  EXPECT_EQ(store.list()->size(), 1u);
}

TEST_F(StoreTest, FindReadsOnlyTheNameIndexAndThatNamesRecords) {
  Store store = open();
  auto a = store.import(image("a.aci", "example.com/a"), "a");
  auto b1 = store.import(image("b1.aci", "example.com/b", R"(,"labels":[{"name":"version","value":"1"}])"), "b1");
  auto b2 = store.import(image("b2.aci", "example.com/b", R"(,"labels":[{"name":"version","value":"2"}])"), "b2");
  ASSERT_TRUE(a && b1 && b2);
  EXPECT_EQ(test::read_file(store.cas() + "/name/example.com%2fb/" + *b1),
            "{\"labels\":[{\"name\":\"version\",\"value\":\"1\"}],\"name\":\"example.com/b\"}\n");
  // Another image's manifest, damaged: a lookup of example.com/b never reads it (a scan would).
  test::write_file(store.manifest_path(*a), "not json");
  Store fresh = open();
  EXPECT_EQ(**fresh.find("example.com/b", {}), *b2);
  EXPECT_EQ(**fresh.find("example.com/b", {{"version", "1"}}), *b1);
  EXPECT_FALSE(*fresh.find("example.com/b", {{"version", "3"}}));
  EXPECT_FALSE(*fresh.find("example.com/c", {}));
  EXPECT_FALSE(fresh.find("example.com/a", {})) << "its own damaged manifest is an error";
}

TEST_F(StoreTest, TheNameIndexIsBuiltForAStoreWithoutOne) {
  auto k = open().import(image("a.aci", "example.com/a/b"), "a");
  ASSERT_TRUE(k);
  ASSERT_TRUE(remove_tree(tmp_ / "data/cas/name"));  // as a store written before the index
  Store store = open();
  EXPECT_EQ(test::read_file(store.cas() + "/name/example.com%2fa%2fb/" + *k),
            "{\"labels\":[],\"name\":\"example.com/a/b\"}\n");
  EXPECT_EQ(**store.find("example.com/a/b", {}), *k);
  EXPECT_EQ(test::run_command({"/usr/bin/find", store.cas() + "/tmp", "-mindepth", "1"}).out, "") << "built aside";
}

TEST_F(StoreTest, ANameRecordWithoutItsIndexRecordIsSkippedThenSwept) {
  Store store = open();
  auto k = store.import(image("a.aci", "example.com/a"), "a");
  ASSERT_TRUE(k);
  // What a crash between the name record and the index record of a later import leaves.
  std::string dangling = store.cas() + "/name/example.com%2fa/sha512-" + std::string(64, '0');
  test::write_file(dangling, "{\"labels\":[],\"name\":\"example.com/a\"}\n");
  EXPECT_EQ(**store.find("example.com/a", {}), *k);
  auto n = store.sweep();
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 1u);
  EXPECT_NE(::access(dangling.c_str(), F_OK), 0);
  EXPECT_EQ(**store.find("example.com/a", {}), *k);
  ASSERT_TRUE(store.remove(*k));
  EXPECT_NE(::access((store.cas() + "/name/example.com%2fa").c_str(), F_OK), 0) << "removed with its last image";
  EXPECT_FALSE(*store.find("example.com/a", {}));
}

TEST_F(StoreTest, TheIndexRecordHoldsTheTreeIdAndEachRecordIsReadOnce) {
  Store store = open();
  auto k = store.import(image("a.aci", "example.com/a"), "a");
  ASSERT_TRUE(k);
  auto tree = store.tree_dir(*k);
  ASSERT_TRUE(tree);
  std::string index = test::read_file(store.cas() + "/index/" + *k);
  std::string id = tree->substr(tree->rfind('/') + 1);
  EXPECT_EQ(index.substr(index.size() - id.size() - 1), id + "\n") << index;
  EXPECT_EQ(id, "deps-sha512-" + sha512_hex(*k + "\n").substr(0, 64)) << "rkt's tree store ID";
  // A record of an earlier version (import time and size only): the ID is hashed as before.
  test::write_file(store.cas() + "/index/" + *k, index.substr(0, index.find(' ', index.find(' ') + 1)) + "\n");
  Store old = open();
  EXPECT_EQ(*old.tree_dir(*k), *tree);
  // Read once: the manifest gone after the first read, the store answers from what it read.
  std::string text = test::read_file(store.manifest_path(*k));
  ASSERT_EQ(::unlink(store.manifest_path(*k).c_str()), 0);
  auto info = old.info(*k);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->manifest_json, text);
  EXPECT_FALSE(open().info(*k));
}

TEST_F(StoreTest, RejectedImagesLeaveNothingBehind) {
  Store store = open();
  std::string bad = tmp_ / "bad.aci";
  {
    TarBuilder t(bad, "gzip");
    t.image(manifest_for("example.com/bad")).symlink("rootfs/etc", "/etc").file("rootfs/etc/passwd", "x");
  }
  auto k = store.import(bad, "\"bad.aci\"");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code(), Errc::UnsafePath);
  std::string invalid = tmp_ / "invalid.aci";
  {
    TarBuilder t(invalid, "gzip");
    t.image(R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"Bad Name"})");
  }
  auto k2 = store.import(invalid, "\"invalid.aci\"");
  ASSERT_FALSE(k2);
  EXPECT_EQ(k2.error().code(), Errc::InvalidManifest);
  for (const char* sub : {"tmp", "index", "tree", "blob/sha512", "imageManifest/sha512"}) {
    auto r = test::run_command({"/usr/bin/find", store.cas() + "/" + sub, "-mindepth", "1"});
    EXPECT_EQ(r.out, "") << sub;
  }
}

TEST_F(StoreTest, DependenciesRenderInOrderWithWhitelist) {
  Store store = open();
  std::string base = tmp_ / "base.aci";
  {
    TarBuilder t(base, "gzip");
    t.image(manifest_for("example.com/base", R"(,"labels":[{"name":"version","value":"1"}])"))
        .dir("rootfs/etc")
        .file("rootfs/etc/os", "base")
        .file("rootfs/etc/drop", "not whitelisted");
  }
  auto bk = store.import(base, "base");
  ASSERT_TRUE(bk) << bk.error().message();
  std::string app = tmp_ / "app.aci";
  {
    TarBuilder t(app, "gzip");
    t.image(manifest_for("example.com/app", R"(,"dependencies":[{"imageName":"example.com/base",
          "labels":[{"name":"version","value":"1"}]}],"pathWhitelist":["/etc/os","/bin/app"])"))
        .dir("rootfs/bin")
        .file("rootfs/bin/app", "app")
        .dir("rootfs/etc")
        .file("rootfs/etc/os", "app overrides base");
  }
  auto ak = store.import(app, "app");
  ASSERT_TRUE(ak) << ak.error().message();
  auto tree = store.render(*ak);
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(test::read_file(*tree + "/rootfs/etc/os"), "app overrides base");
  EXPECT_EQ(test::read_file(*tree + "/rootfs/bin/app"), "app");
  EXPECT_NE(::access((*tree + "/rootfs/etc/drop").c_str(), F_OK), 0) << "pathWhitelist applied";
  EXPECT_EQ(*store.render(*ak), *tree) << "rendering twice reuses the tree";
}

TEST_F(StoreTest, DependencyCyclesAndMissingDependencies) {
  Store store = open();
  auto a = store.import(image("a.aci", "example.com/a", R"(,"dependencies":[{"imageName":"example.com/b"}])"), "a");
  ASSERT_TRUE(a);
  auto missing = store.render(*a);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("dependency \"example.com/b\""), std::string::npos)
      << missing.error().message();
  auto b = store.import(image("b.aci", "example.com/b", R"(,"dependencies":[{"imageName":"example.com/a"}])"), "b");
  ASSERT_TRUE(b);
  auto cycle = store.render(*a);
  ASSERT_FALSE(cycle);
  EXPECT_NE(cycle.error().message().find("cycle"), std::string::npos) << cycle.error().message();
}

TEST_F(StoreTest, ConcurrentImportsOfOneImageEndWithOneBlob) {
  std::string img = image("same.aci", "example.com/same");
  { Store warm = open(); }
  std::vector<pid_t> kids;
  for (int i = 0; i < 6; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto s = Store::open(tmp_ / "data");
      _exit(s && s->import(img, "same") ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t p : kids) {
    int status = 0;
    ::waitpid(p, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  Store store = open();
  EXPECT_EQ(store.list()->size(), 1u);
  auto blobs = test::run_command({"/usr/bin/find", store.cas() + "/blob", "-type", "f"});
  EXPECT_EQ(std::count(blobs.out.begin(), blobs.out.end(), '\n'), 1) << blobs.out;
  auto trees = test::run_command({"/usr/bin/find", store.cas() + "/tree", "-mindepth", "1", "-maxdepth", "1"});
  EXPECT_EQ(std::count(trees.out.begin(), trees.out.end(), '\n'), 1) << trees.out;
  auto tmp = test::run_command({"/usr/bin/find", store.cas() + "/tmp", "-mindepth", "1"});
  EXPECT_EQ(tmp.out, "");
}

TEST_F(StoreTest, SweepRemovesWhatNoRecordReferences) {
  Store store = open();
  auto k = store.import(image("a.aci", "example.com/a"), "a");
  ASSERT_TRUE(k);
  // What a SIGKILL in the middle of an import leaves: staging, and a blob without a record.
  ASSERT_EQ(::mkdir((store.cas() + "/tmp/stage-dead").c_str(), 0700), 0);
  std::string orphan = store.cas() + "/blob/sha512/00";
  ::mkdir(orphan.c_str(), 0700);
  test::write_file(orphan + "/sha512-" + std::string(64, '0'), "orphan");
  auto n = store.sweep();
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 2u);
  EXPECT_TRUE(store.info(*k)) << "a committed image survives";
  EXPECT_EQ(test::read_file(*store.tree_dir(*k) + "/rootfs/etc/a.aci"), "hello");
}

TEST_F(StoreTest, SweepLeavesStagingAloneWhileAnotherProcessStages) {
  Store store = open();
  Store other = open();  // another process: its own lock
  ASSERT_TRUE(other.hold_staging());
  ASSERT_EQ(::mkdir((store.cas() + "/tmp/stage-busy").c_str(), 0700), 0);
  auto n = store.sweep();
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(::access((store.cas() + "/tmp/stage-busy").c_str(), F_OK), 0) << "an import in progress is left alone";
  { Store done = std::move(other); }  // that process exits
  n = store.sweep();
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 1u);
}

TEST_F(StoreTest, LayerBlobsAreKeptWhileAnImageNamesThem) {
  Store store = open();
  auto a = store.import(image("a.aci", "example.com/a"), "a");
  auto b = store.import(image("b.aci", "example.com/b"), "b");
  ASSERT_TRUE(a && b);
  std::string shared = std::string(64, '1'), only_b = std::string(64, '2'), orphan = std::string(64, '3');
  for (const auto& h : {shared, only_b, orphan}) {
    test::write_file(store.layer_cache() + "/sha256/" + h, h);
    ASSERT_TRUE(make_dirs(store.layer_trees() + "/" + h + "/etc", 0755));
  }
  ASSERT_TRUE(store.put_layer_refs(*a, {"sha256:" + shared, "tree:" + shared}));
  ASSERT_TRUE(store.put_layer_refs(*b, {"sha256:" + shared, "sha256:" + only_b, "tree:" + shared, "tree:" + only_b}));
  EXPECT_FALSE(store.put_layer_refs(*b, {"sha256:../../index"}));
  EXPECT_FALSE(store.put_layer_refs(*b, {"tree:.."}));
  auto exists = [&](const std::string& h) {
    bool blob = ::access((store.layer_cache() + "/sha256/" + h).c_str(), F_OK) == 0;
    bool tree = ::access((store.layer_trees() + "/" + h).c_str(), F_OK) == 0;
    EXPECT_EQ(blob, tree) << h;
    return blob && tree;
  };
  auto n = store.sweep();
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 2u) << "the blob and the tree no image names";
  EXPECT_TRUE(exists(shared) && exists(only_b));
  EXPECT_FALSE(exists(orphan));
  ASSERT_TRUE(store.remove(*b));
  EXPECT_TRUE(exists(shared)) << "image a still has it";
  EXPECT_FALSE(exists(only_b));
  ASSERT_TRUE(store.remove(*a));
  EXPECT_FALSE(exists(shared));
}

TEST_F(StoreTest, RemoteRecordsRoundTrip) {
  Store store = open();
  RemoteInfo r{"https://example.com/a.aci",
               "https://example.com/a.aci.asc",
               "\"etag-1\"",
               "sha512-" + std::string(64, 'a'),
               3600,
               123};
  ASSERT_TRUE(store.put_remote(r));
  auto got = store.remote(r.url);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->etag, "\"etag-1\"");
  EXPECT_EQ((*got)->max_age_s, 3600);
  EXPECT_FALSE(*store.remote("https://example.com/other.aci"));
  r.etag = "bad\nvalue";
  EXPECT_FALSE(store.put_remote(r));
}

TEST_F(StoreTest, RemoteRecordsAreNamedByTheirUrlAndEarlierOnesAreRenamed) {
  Store store = open();
  RemoteInfo r{"stage1:/usr/lib/rkt/stage1.aci", "", "stamp", "sha512-" + std::string(64, 'a'), 0, 1};
  ASSERT_TRUE(store.put_remote(r));
  EXPECT_EQ(::access((store.cas() + "/remote/url-stage1%3a%2fusr%2flib%2frkt%2fstage1.aci").c_str(), F_OK), 0);
  // A record named by the URL's SHA-256, as an earlier version wrote it: found, and renamed.
  r.url = "docker://example.com/x";
  std::string text = "url\t" + r.url + "\nsignature\t\netag\tdigest\nkey\t" + r.key + "\nmax-age\t0\ndownloaded\t1\n";
  std::string legacy = store.cas() + "/remote/" + sha256_hex(r.url);
  test::write_file(legacy, text);
  auto got = store.remote(r.url);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->etag, "digest");
  EXPECT_NE(::access(legacy.c_str(), F_OK), 0);
  EXPECT_EQ(test::read_file(store.cas() + "/remote/url-docker%3a%2f%2fexample.com%2fx"), text);
  // A URL too long for a file name: its SHA-256.
  r.url = "https://example.com/" + std::string(300, 'x');
  ASSERT_TRUE(store.put_remote(r));
  EXPECT_EQ(::access((store.cas() + "/remote/" + sha256_hex(r.url)).c_str(), F_OK), 0);
  EXPECT_TRUE(*store.remote(r.url));
}

}  // namespace
}  // namespace rkt::stage0
