#include "stage1/host/users.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/fs.h"
#include "common/unique_fd.h"
#include "tests/support/command.h"

namespace rkt::stage1 {
namespace {

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_dirs(root_ + "/etc", 0755));
    test::write_file(root_ + "/etc/passwd",
                     "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1001:Web:/srv/web:/bin/sh\nbad:x:-1:0::/:/bin/sh\n");
    test::write_file(root_ + "/etc/group", "root:x:0:\nweb:x:1001:\n");
    fd_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(fd_.valid());
  }
  test::TempDir tmp_;
  const std::string root_ = tmp_ / "rootfs";
  UniqueFd fd_;
};

TEST_F(UsersTest, NamesFromTheImagesFilesAndNumbers) {
  auto web = resolve_ids(fd_.get(), "a", "web", "web", {5, 6});
  ASSERT_TRUE(web) << web.error().message();
  EXPECT_EQ(web->uid, 1000u);
  EXPECT_EQ(web->gid, 1001u);
  EXPECT_EQ(web->home, "/srv/web");
  EXPECT_EQ(web->groups, (std::vector<gid_t>{5, 6}));
  auto numeric = resolve_ids(fd_.get(), "a", "4242", "4343", {});
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->uid, 4242u);
  EXPECT_EQ(numeric->home, "/") << "a user not in /etc/passwd has / as home";
  auto root = resolve_ids(fd_.get(), "a", "0", "0", {});
  ASSERT_TRUE(root);
  EXPECT_EQ(root->home, "/root");
}

TEST_F(UsersTest, UnknownAndMalformedAreErrors) {
  auto nobody = resolve_ids(fd_.get(), "a", "nobody", "0", {});
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().message(), "app \"a\": user \"nobody\" is not in the image's /etc/passwd");
  EXPECT_FALSE(resolve_ids(fd_.get(), "a", "0", "nogroup", {}));
  EXPECT_EQ(resolve_ids(fd_.get(), "a", "bad", "0", {}).error().message(),
            "app \"a\": bad uid for \"bad\" in /etc/passwd");
  EXPECT_FALSE(resolve_ids(fd_.get(), "a", "0", "0", {-1}));
  EXPECT_FALSE(resolve_ids(fd_.get(), "a", "4294967295", "0", {})) << "(uid_t)-1 is not a user";
}

TEST_F(UsersTest, AFilesOwner) {
  test::write_file(root_ + "/owned", "x");
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/owned").c_str(), &st), 0);
  auto ids = resolve_ids(fd_.get(), "a", "/owned", "/owned", {});
  ASSERT_TRUE(ids) << ids.error().message();
  EXPECT_EQ(ids->uid, st.st_uid);
  EXPECT_EQ(ids->gid, st.st_gid);
  EXPECT_FALSE(resolve_ids(fd_.get(), "a", "/missing", "0", {}));
}

TEST_F(UsersTest, LookupsStayInsideTheRoot) {
  // An image whose /etc/passwd is a symlink to the host's: it is resolved inside the image's root,
  // where the target does not exist, so the host's users are never read.
  test::write_file(tmp_ / "host-passwd", "web:x:0:0::/:/bin/sh\n");
  ASSERT_EQ(::unlink((root_ + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink((tmp_ / "host-passwd").c_str(), (root_ + "/etc/passwd").c_str()), 0);
  EXPECT_FALSE(resolve_ids(fd_.get(), "a", "web", "0", {}));
  ASSERT_EQ(::symlink("../../../../../../../../", (root_ + "/up").c_str()), 0);
  EXPECT_FALSE(resolve_ids(fd_.get(), "a", "/up" + (tmp_ / "host-passwd"), "0", {}))
      << "a file owner path cannot leave the root";
}

}  // namespace
}  // namespace rkt::stage1
