// A full disk: the data dir is a small tmpfs (40 MiB, 1500 inodes). An image that would not fit,
// a decompression bomb, an image with more files than there are inodes, and a prepare that fills
// the disk each fail with one clear error naming what failed; nothing half-made stays visible,
// the space is given back, and the store keeps working. An import may unpack at most half the
// free space (the blob and the tree both take room), so an image or bomb too large for the disk
// is stopped by that limit before the disk is full.

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

constexpr uint64_t kMiB = 1 << 20;

class FullDiskTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(::mkdir(data_.c_str(), 0755), 0);
    ASSERT_EQ(::mount("tmpfs", data_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=40m,nr_inodes=1500,mode=0755"), 0)
        << std::strerror(errno);
    mounted_ = true;
    // The probe image and stage1 in the store, their trees rendered; no pods.
    auto r = probe({}, {}, {"id"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(rkt({"gc", "--grace-period=0s"}).exit_code, 0);
    baseline_ = used();
    baseline_inodes_ = used_inodes();
  }
  void TearDown() override {
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
  }

  uint64_t used() const {
    struct statvfs st {};
    EXPECT_EQ(::statvfs(data_.c_str(), &st), 0);
    return (st.f_blocks - st.f_bfree) * st.f_frsize;
  }
  uint64_t used_inodes() const {
    struct statvfs st {};
    EXPECT_EQ(::statvfs(data_.c_str(), &st), 0);
    return st.f_files - st.f_ffree;
  }
  uint64_t free_bytes() const {
    struct statvfs st {};
    EXPECT_EQ(::statvfs(data_.c_str(), &st), 0);
    return st.f_bavail * st.f_frsize;
  }

  // An image whose file /data is `bytes` long: random (it does not compress) or zeros (a
  // decompression bomb: a megabyte of gzip that unpacks to hundreds); and `files` empty files.
  std::string image_of(const std::string& name, uint64_t bytes, bool random, int files = 0) {
    std::string l = tmp_ / (name + ".layout");
    std::filesystem::create_directories(l + "/rootfs/many");
    for (int i = 0; i < files; ++i) write_file(l + "/rootfs/many/" + std::to_string(i), "");
    write_file(l + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/)" + name +
                                    R"(","app":{"exec":["/data"],"user":"0","group":"0"}})");
    int fd = ::open((l + "/rootfs/data").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0755);
    EXPECT_GE(fd, 0);
    if (random) {
      int in = ::open("/dev/urandom", O_RDONLY);
      std::string buf(kMiB, '\0');
      for (uint64_t done = 0; done < bytes; done += kMiB) {
        EXPECT_EQ(::read(in, buf.data(), buf.size()), static_cast<ssize_t>(buf.size()));
        EXPECT_EQ(::write(fd, buf.data(), buf.size()), static_cast<ssize_t>(buf.size()));
      }
      ::close(in);
    } else {
      EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0);
    }
    ::close(fd);
    std::string out = tmp_ / (name + ".aci");
    std::vector<std::string> build = {actool_binary(), "build", "--overwrite"};
    if (random) build.push_back("--no-compression");
    build.insert(build.end(), {l, out});
    auto r = run_command(build);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::filesystem::remove_all(l);
    return out;
  }

  // After a failure: nothing staged is left, the space is back (within what bookkeeping such as
  // a last-used time takes), and the store still lists and runs.
  void expect_store_intact(const std::string& what) {
    EXPECT_TRUE(std::filesystem::is_empty(data_ + "/cas/tmp")) << what;
    EXPECT_LE(used_inodes(), baseline_inodes_ + 8) << what << ": the inodes were not given back";
    EXPECT_LE(used(), baseline_ + kMiB) << what << ": the space was not given back";
    auto list = rkt({"image", "list", "--no-legend", "--fields=name"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(list.out.find("example.com/big"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find("example.com/bomb"), std::string::npos) << list.out;
    auto r = probe({}, {}, {"id"});
    EXPECT_EQ(r.exit_code, 0) << what << ": " << r.err;
    EXPECT_EQ(rkt({"gc", "--grace-period=0s"}).exit_code, 0);
  }

  // The one error line of a failed command, naming `subject` and saying `why`.
  static void expect_one_clear_error(const CommandResult& r, const std::string& subject, const std::string& why) {
    EXPECT_EQ(r.exit_code, 254) << r.err;
    EXPECT_NE(r.err.find(subject), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    size_t lines = 0;
    for (size_t at = 0; (at = r.err.find("rkt: ", at)) != std::string::npos; ++at) {
      if (r.err.compare(at, 14, "rkt: warning: ") != 0) ++lines;
    }
    EXPECT_EQ(lines, 1u) << "printed once: " << r.err;
  }

  std::string data_ = tmp_ / "data";
  bool mounted_ = false;
  uint64_t baseline_ = 0;
  uint64_t baseline_inodes_ = 0;
};

constexpr const char* kHalfTheFreeSpace = "bytes (half the free space of ";

TEST_F(FullDiskTest, AnImageLargerThanTheDiskIsRefusedAndLeavesNothing) {
  std::string big = image_of("big", 48 * kMiB, true);
  auto r = rkt({"fetch", big});
  expect_one_clear_error(r, "\"" + big + "\"", kHalfTheFreeSpace);
  expect_store_intact("fetch of an image larger than the disk");
  // The same through rkt run: the image never reaches the store, no pod is left.
  auto run = rkt({"run", "--net=host", big});
  expect_one_clear_error(run, "\"" + big + "\"", kHalfTheFreeSpace);
  auto pods = rkt({"list", "--no-legend"});
  EXPECT_EQ(pods.out, "") << pods.out;
  expect_store_intact("run of an image larger than the disk");
}

TEST_F(FullDiskTest, ADecompressionBombFillsTheDiskAndIsRefused) {
  std::string bomb = image_of("bomb", 512 * kMiB, false);
  ASSERT_LT(std::filesystem::file_size(bomb), 4 * kMiB) << "a bomb: small compressed";
  auto r = rkt({"fetch", bomb});
  expect_one_clear_error(r, "\"" + bomb + "\"", kHalfTheFreeSpace);
  expect_store_intact("fetch of a decompression bomb");
}

TEST_F(FullDiskTest, AnImageWithMoreFilesThanInodesFailsWhereTheDiskFilledUp) {
  std::string many = image_of("many", 0, false, 2000);
  auto r = rkt({"fetch", many});
  expect_one_clear_error(r, "\"" + many + "\"", "No space left on device");
  EXPECT_NE(r.err.find("creating \"rootfs/many/"), std::string::npos) << "names the entry: " << r.err;
  expect_store_intact("fetch of an image with more files than inodes");
}

TEST_F(FullDiskTest, APrepareThatFillsTheDiskLeavesNoPod) {
  // Take all but a few inodes: fewer than a pod's files and a copy of the probe's tree need
  // (--no-overlay copies it). Bytes cannot run out first: a copy may take half the free space.
  std::string filler = data_ + "/filler";
  ASSERT_EQ(::mkdir(filler.c_str(), 0700), 0);
  int made = 0;
  for (;; ++made) {
    int fd = ::open((filler + "/" + std::to_string(made)).c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      ASSERT_EQ(errno, ENOSPC) << std::strerror(errno);
      break;
    }
    ::close(fd);
  }
  for (int i = 0; i < 8; ++i) ASSERT_EQ(::unlink((filler + "/" + std::to_string(--made)).c_str()), 0);
  // By name: the image is stored, so only the prepare writes.
  auto r = rkt({"prepare", "--quiet", "--no-overlay", "example.com/probe"});
  expect_one_clear_error(r, "preparing pod ", "No space left on device");
  auto pods = rkt({"list", "--no-legend"});
  EXPECT_EQ(pods.exit_code, 0) << pods.err;
  EXPECT_EQ(pods.out, "") << "no pod is left: " << pods.out;
  for (const char* phase : {"embryo", "prepare", "prepared"}) {
    std::string d = data_ + "/pods/" + phase;
    EXPECT_TRUE(!std::filesystem::exists(d) || std::filesystem::is_empty(d)) << d;
  }
  std::filesystem::remove_all(filler);
  EXPECT_LE(used(), baseline_ + kMiB) << "the failed prepare gave its space back";
  EXPECT_LE(used_inodes(), baseline_inodes_ + 8) << "and its inodes";
  auto again = rkt({"prepare", "--quiet", "--no-overlay", "example.com/probe"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::string uuid = again.out.substr(0, again.out.find('\n'));
  auto run = rkt({"run-prepared", "--net=host", uuid});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("uid: 0"), std::string::npos) << run.out;
  EXPECT_EQ(rkt({"gc", "--grace-period=0s"}).exit_code, 0);
}

}  // namespace
}  // namespace rkt::test
