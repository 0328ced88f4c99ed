#include "stage0/images.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt::stage0 {
namespace {

// Resident set of this process now, in KiB.
long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

TEST(ImagesTest, JsonIsRktsFormat) {
  ImageInfo i;
  i.key = "sha512-ab";
  i.manifest.name = "example.com/app";
  i.manifest.labels = {{"version", "1.0"}};
  i.import_time_ns = 10;
  i.last_used_ns = 20;
  i.size = 30;
  EXPECT_EQ(images_json({i}, false),
            R"([{"id":"sha512-ab","name":"example.com/app:1.0","import_time":10,"last_used_time":20,"size":30}])");
  EXPECT_EQ(images_json({}, false), "[]");
}

TEST(ImagesTest, ExportStreamsTheBlob) {
  test::TempDir tmp;
  std::string layout = tmp / "layout";
  ASSERT_EQ(test::run_command({"/bin/mkdir", "-p", layout + "/rootfs"}).exit_code, 0);
  test::write_file(layout + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/big"})");
  ASSERT_EQ(
      test::run_command({"/bin/sh", "-c", "head -c 67108864 /dev/urandom > " + layout + "/rootfs/data"}).exit_code, 0);
  ASSERT_EQ(test::run_command({"/bin/tar", "-C", layout, "-cf", tmp / "big.aci", "manifest", "rootfs"}).exit_code, 0);
  auto store = Store::open(tmp / "data");
  ASSERT_TRUE(store) << store.error().message();
  auto key = store->import(tmp / "big.aci", "\"big.aci\"");
  ASSERT_TRUE(key) << key.error().message();
  long before = rss_kib();
  pid_t pid = ::fork();
  if (pid == 0) _exit(export_image(*store, *key, tmp / "out.aci", false) ? 0 : 1);
  int status = 0;
  struct rusage usage {};
  ASSERT_EQ(::wait4(pid, &status, 0, &usage), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_LT(usage.ru_maxrss - before, 16 * 1024) << "a 64 MiB export must not be held in memory";
  EXPECT_EQ(test::read_file(tmp / "out.aci"), test::read_file(store->blob_path(*key)));
  auto again = export_image(*store, *key, tmp / "out.aci", false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::AlreadyExists);
  EXPECT_TRUE(export_image(*store, *key, tmp / "out.aci", true));
  auto left = test::run_command({"/usr/bin/find", tmp.path(), "-maxdepth", "1", "-name", "source-*"});
  EXPECT_EQ(left.out, "") << "no partial copy is left beside the output";
}

}  // namespace
}  // namespace rkt::stage0
