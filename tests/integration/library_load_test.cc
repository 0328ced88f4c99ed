// What each command loads: version, list, status, image list and run of an image already in the
// store start with libc and libm only, and load no archive, compression, XML, crypto, HTTP or
// OpenPGP library (common/lazy_library.h, the store's name index and tree IDs, bench/README.md).
// The dynamic loader reports every object it maps (LD_DEBUG=files), stage1's included.

#include <dirent.h>

#include "tests/integration/pod_fixture.h"

namespace rkt::test {
namespace {

class LibraryLoadTest : public RunTest {
 protected:
  // The shared objects the command (and what it execs) mapped, by file name.
  std::set<std::string> loaded(const std::vector<std::string>& args, int want_exit = 0) {
    std::string dir = tmp_ / ("ld-" + std::to_string(++calls_));
    EXPECT_EQ(::mkdir(dir.c_str(), 0755), 0);
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "LD_DEBUG=files",
                                     "LD_DEBUG_OUTPUT=" + dir + "/ld",
                                     rkt_binary(),
                                     "--dir=" + (tmp_ / "data"),
                                     "--local-config=" + (tmp_ / "etc"),
                                     "--insecure-options=image"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, want_exit) << args[0] << ": " << r.err;
    std::set<std::string> out;
    std::istringstream files(run_command({"/bin/sh", "-c", "cat " + dir + "/ld.*"}).out);
    for (std::string line; std::getline(files, line);) {
      size_t at = line.find("file=");
      if (at == std::string::npos) continue;
      std::string f = line.substr(at + 5, line.find_first_of(" \t", at + 5) - at - 5);
      out.insert(f.substr(f.rfind('/') + 1));
    }
    return out;
  }

  // None of the libraries a command that reads no image, downloads and verifies nothing, needs.
  static void expect_lean(const std::set<std::string>& libs, const std::string& what) {
    for (const auto& l : libs) {
      for (const char* heavy : {"libarchive", "libcrypto", "libssl", "libcurl", "librnp", "libbotan", "libxml2",
                                "libicu", "libz.", "liblzma", "libzstd", "libbz2", "liblz4", "libnettle", "libacl"}) {
        EXPECT_EQ(l.find(heavy), std::string::npos) << what << " loaded " << l;
      }
    }
  }

  int calls_ = 0;
};

TEST_F(LibraryLoadTest, CommandsThatReadNoImageLoadNoHeavyLibrary) {
  // The detection works: a fetch of a file unpacks and hashes it.
  auto fetch = loaded({"fetch", image_});
  EXPECT_TRUE(fetch.count("libarchive.so.13")) << "fetch loads libarchive";
  EXPECT_TRUE(fetch.count("libcrypto.so.3")) << "fetch loads libcrypto";

  expect_lean(loaded({"version"}), "rkt version");
  auto first = rkt({"run", "--net=host", "--uuid-file-save=" + (tmp_ / "uuid"), "example.com/probe"});
  ASSERT_EQ(first.exit_code, 0) << first.err;  // stage1 imported
  std::string uuid = read_file(tmp_ / "uuid");

  auto run = loaded({"run", "--net=host", "example.com/probe"});
  EXPECT_TRUE(run.count("libc.so.6")) << "the detection sees the run";
  expect_lean(run, "rkt run of a stored image by name");
  auto ids = rkt({"image", "list", "--no-legend", "--fields=id,name"});
  std::string key;
  std::istringstream rows(ids.out);
  for (std::string row; std::getline(rows, row);) {
    if (row.find("example.com/probe") != std::string::npos) key = row.substr(0, row.find_first_of(" \t"));
  }
  ASSERT_EQ(key.rfind("sha512-", 0), 0u) << ids.out;
  expect_lean(loaded({"run", "--net=host", key}), "rkt run of a stored image by ID");
  expect_lean(loaded({"list"}), "rkt list");
  expect_lean(loaded({"list", "--format=json"}), "rkt list --format=json");
  expect_lean(loaded({"status", uuid}), "rkt status");
  expect_lean(loaded({"image", "list"}), "rkt image list");
  expect_lean(loaded({"gc", "--grace-period=0s"}), "rkt gc");
}

}  // namespace
}  // namespace rkt::test
