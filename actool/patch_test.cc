#include "actool/patch.h"

#include <gtest/gtest.h>

#include "spec/manifest.h"

namespace rkt::aci {
namespace {

spec::ImageManifest base() {
  return *spec::parse_image_manifest(
      R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/x",
          "app":{"exec":["/bin/x"],"user":"0","group":"0",
                 "isolators":[{"name":"os/linux/capabilities-remove-set","value":{"set":["CAP_KILL"]}}]}})",
      "base");
}

spec::ImageManifest patched(const PatchOptions& o) {
  auto json = patch_manifest(base(), o);
  EXPECT_TRUE(json) << json.error().message();
  return json ? *spec::parse_image_manifest(*json, "patched") : spec::ImageManifest{};
}

TEST(Patch, NameExecUserGroupGids) {
  PatchOptions o;
  o.name = "example.com/y";
  o.exec = "/inspect --print-msg=hi --exit-code=3";
  o.user = "1000";
  o.group = "/etc/passwd";
  o.supplementary_gids = "10,20";
  auto m = patched(o);
  EXPECT_EQ(m.name, "example.com/y");
  EXPECT_EQ(m.app->exec, (std::vector<std::string>{"/inspect", "--print-msg=hi", "--exit-code=3"}));
  EXPECT_EQ(m.app->user, "1000");
  EXPECT_EQ(m.app->group, "/etc/passwd");
  EXPECT_EQ(m.app->supplementary_gids, (std::vector<int64_t>{10, 20}));
}

TEST(Patch, CapabilitiesReplaceEachOther) {
  PatchOptions o;
  o.capability = "CAP_NET_ADMIN,CAP_CHOWN";
  auto m = patched(o);
  ASSERT_EQ(m.app->isolators.size(), 1u);
  EXPECT_EQ(m.app->isolators[0].name, spec::kIsolatorCapsRetain);
  EXPECT_EQ(std::get<spec::CapabilitySet>(m.app->isolators[0].value).set,
            (std::vector<std::string>{"CAP_NET_ADMIN", "CAP_CHOWN"}));
  PatchOptions both;
  both.capability = "CAP_KILL";
  both.revoke_capability = "CAP_KILL";
  EXPECT_FALSE(patch_manifest(base(), both));
}

TEST(Patch, MountsPortsIsolatorsSeccomp) {
  PatchOptions o;
  o.mounts = "name=data,path=/data,readOnly=true:name=logs,path=/logs";
  o.ports = "name=http,protocol=tcp,port=80:name=dns,protocol=udp,port=53,count=2,socketActivated=true";
  o.isolators = "resource/memory,limit=1G:os/linux/no-new-privileges,true:os/linux/oom-score-adj,-500";
  o.seccomp_mode = "remove,errno=EPERM";
  o.seccomp_set = "reboot,kexec_load";
  auto m = patched(o);
  ASSERT_EQ(m.app->mount_points.size(), 2u);
  EXPECT_TRUE(m.app->mount_points[0].read_only);
  ASSERT_EQ(m.app->ports.size(), 2u);
  EXPECT_EQ(m.app->ports[1].count, 2u);
  EXPECT_TRUE(m.app->ports[1].socket_activated);
  ASSERT_EQ(m.app->isolators.size(), 5u);
  EXPECT_EQ(m.app->isolators[1].name, spec::kIsolatorSeccompRemove);
  EXPECT_EQ(std::get<spec::SeccompSet>(m.app->isolators[1].value).errno_name, "EPERM");
  EXPECT_EQ(std::get<spec::ResourceValue>(m.app->isolators[2].value).limit->ceil_value(), 1000000000);
  EXPECT_TRUE(std::get<bool>(m.app->isolators[3].value));
  EXPECT_EQ(std::get<int64_t>(m.app->isolators[4].value), -500);
}

TEST(Patch, RefusesWhatWouldBeInvalid) {
  struct Case {
    PatchOptions o;
    std::string message;
  };
  std::vector<Case> cases(6);
  cases[0].o.name = "Bad Name";
  cases[0].message = "--name \"Bad Name\"";
  cases[1].o.mounts = "name=data";
  cases[1].message = "field \"/app/mountPoints/0/path\"";
  cases[2].o.ports = "name=p,protocol=tcp,port=70000";
  cases[2].message = "port must be in the range 1-65535";
  cases[3].o.isolators = "os/linux/oom-score-adj,abc";
  cases[3].message = "field \"/app/isolators/1/value\": is required";
  cases[4].o.seccomp_set = "reboot";
  cases[4].message = "--seccomp-set needs --seccomp-mode";
  cases[5].o.isolators = "os/linux/seccomp-remove-set,set=reboot";
  cases[5].message = "cannot be patched this way";
  for (const auto& c : cases) {
    auto r = patch_manifest(base(), c.o);
    ASSERT_FALSE(r) << c.message;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos) << r.error().message();
  }
}

TEST(Patch, ExecCreatesAnAppButOtherEditsNeedOne) {
  spec::ImageManifest bare;
  bare.ac_version = "0.8.11";
  bare.name = "x";
  PatchOptions user_only;
  user_only.user = "0";
  auto r = patch_manifest(bare, user_only);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no app"), std::string::npos);
  PatchOptions full;
  full.exec = "/bin/sh";
  full.user = "0";
  full.group = "0";
  auto ok = patch_manifest(bare, full);
  ASSERT_TRUE(ok) << ok.error().message();
}

TEST(Patch, WholeManifestReplacement) {
  PatchOptions o;
  o.manifest_file_json = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"z"})";
  auto r = patch_manifest(base(), o);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, o.manifest_file_json);
  o.name = "other";
  EXPECT_FALSE(patch_manifest(base(), o));
}

}  // namespace
}  // namespace rkt::aci
