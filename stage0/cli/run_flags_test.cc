#include "stage0/cli/run_flags.h"

#include "stage0/cli/context.h"

#include <gtest/gtest.h>

namespace rkt::stage0 {
namespace {

TEST(RunFlagsTest, PullPolicy) {
  EXPECT_EQ(*parse_pull_policy("never"), PullPolicy::Never);
  EXPECT_EQ(*parse_pull_policy("new"), PullPolicy::New);
  EXPECT_EQ(*parse_pull_policy("update"), PullPolicy::Update);
  EXPECT_FALSE(parse_pull_policy("always"));
}

TEST(RunFlagsTest, Volumes) {
  auto host = parse_volume_flag("data,kind=host,source=/srv,readOnly=true,recursive=false");
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_EQ(host->name, "data");
  EXPECT_EQ(host->kind, "host");
  EXPECT_EQ(host->source, "/srv");
  EXPECT_EQ(host->read_only, true);
  EXPECT_EQ(host->recursive, false);
  auto empty = parse_volume_flag("scratch,kind=empty,uid=7");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->mode, "0755");
  EXPECT_EQ(empty->uid, 7);
  EXPECT_EQ(empty->gid, 0);
  EXPECT_EQ(parse_volume_flag("v,kind=host,readOnly=yes").error().message(),
            "--volume \"v,kind=host,readOnly=yes\": readOnly must be true or false");
  EXPECT_EQ(parse_volume_flag("v,kind").error().message(), "--volume \"v,kind\": \"kind\" is not key=value");
  EXPECT_EQ(parse_volume_flag("v,color=red").error().message(),
            "--volume \"v,color=red\": unknown parameter \"color\"");
  EXPECT_FALSE(parse_volume_flag("v,uid=-1"));
}

TEST(RunFlagsTest, Mounts) {
  auto m = parse_mount_flag("volume=data,target=/var/data");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->volume, "data");
  EXPECT_EQ(m->target, "/var/data");
  EXPECT_EQ(parse_mount_flag("volume=data").error().message(),
            "--mount \"volume=data\" must be volume=NAME,target=PATH");
  EXPECT_FALSE(parse_mount_flag("volume=a,target=/b,extra=c"));
}

TEST(RunFlagsTest, SeccompBecomesATypedIsolator) {
  auto iso = parse_seccomp_flag("mode=remove,errno=EPERM,mount,umount2");
  ASSERT_TRUE(iso) << iso.error().message();
  EXPECT_EQ(iso->name, spec::kIsolatorSeccompRemove);
  EXPECT_EQ(iso->value_json, R"({"set":["mount","umount2"],"errno":"EPERM"})");
  const auto* set = std::get_if<spec::SeccompSet>(&iso->value);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->set, (std::vector<std::string>{"mount", "umount2"}));
  EXPECT_FALSE(parse_seccomp_flag("mount"));
}

// Found by run_flags_fuzzer: a name that is not UTF-8 made the isolator's JSON throw.
TEST(RunFlagsTest, FlagValuesThatAreNotUtf8AreRefusedNotFatal) {
  auto seccomp = parse_seccomp_flag("mode=remove,\xfe\xff,read");
  ASSERT_FALSE(seccomp);
  EXPECT_NE(seccomp.error().message().find("is not valid UTF-8"), std::string::npos) << seccomp.error().message();
  AppFlags f;
  f.image = "example.com/app";
  f.has_args = true;
  f.args = {"ok", "\xc3"};
  auto r = app_request(f);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("an app argument"), std::string::npos) << r.error().message();
  AppFlags caps;
  caps.caps_retain = "CAP_\xfe";
  EXPECT_FALSE(app_request(caps));
}

TEST(RunFlagsTest, AppFlagsBecomeARequest) {
  AppFlags f;
  f.image = "example.com/app";
  f.exec = "/bin/sh";
  f.has_args = true;
  f.args = {"-c", "true"};
  f.supplementary_gids = "1,2";
  f.environment = {"A=1", "A=2", "B=x=y"};
  f.mounts = {"volume=v,target=/v"};
  f.memory = "50M";
  f.cpu_shares = "512";
  f.caps_retain = "CAP_NET_BIND_SERVICE,CAP_CHOWN";
  f.oom_score_adj = "-100";
  f.user_labels = {"k=v"};
  auto r = app_request(f);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->exec, "/bin/sh");
  ASSERT_TRUE(r->args);
  EXPECT_EQ(*r->args, (std::vector<std::string>{"-c", "true"}));
  EXPECT_EQ(*r->supplementary_gids, (std::vector<int64_t>{1, 2}));
  ASSERT_EQ(r->environment.size(), 2u);
  EXPECT_EQ(r->environment[0].value, "2") << "the later assignment wins";
  EXPECT_EQ(r->environment[1].value, "x=y");
  ASSERT_EQ(r->isolators.size(), 4u);
  EXPECT_EQ(r->isolators[0].value_json, R"({"limit":"50M"})");
  EXPECT_EQ(r->isolators[1].value_json, "512");
  EXPECT_EQ(r->isolators[2].value_json, R"({"set":["CAP_NET_BIND_SERVICE","CAP_CHOWN"]})");
  EXPECT_EQ(r->isolators[3].value_json, "-100");
  EXPECT_EQ(r->user_labels.at("k"), "v");
}

TEST(RunFlagsTest, BadAppFlagsNameTheFlag) {
  auto bad = [](void (*set)(AppFlags&)) {
    AppFlags f;
    set(f);
    auto r = app_request(f);
    return r ? std::string("accepted") : r.error().message();
  };
  EXPECT_EQ(bad([](AppFlags& f) { f.exec = "bin/sh"; }), "--exec \"bin/sh\" must be an absolute path");
  EXPECT_EQ(bad([](AppFlags& f) { f.supplementary_gids = "1,x"; }), "--supplementary-gids: \"x\" is not a number");
  EXPECT_EQ(bad([](AppFlags& f) { f.cpu_shares = "lots"; }), "--cpu-shares \"lots\" is not a number");
  EXPECT_EQ(bad([](AppFlags& f) {
              f.caps_retain = "CAP_CHOWN";
              f.caps_remove = "CAP_KILL";
            }),
            "--caps-retain and --caps-remove cannot be combined");
  EXPECT_EQ(bad([](AppFlags& f) { f.environment = {"=x"}; }), "--environment \"=x\" is not NAME=VALUE");
  EXPECT_NE(bad([](AppFlags& f) { f.memory = "lots"; }).find("--memory \"lots\""), std::string::npos);
  EXPECT_EQ(bad([](AppFlags& f) { f.oom_score_adj = "x"; }), "--oom-score-adj \"x\" is not a number");
  EXPECT_EQ(bad([](AppFlags& f) { f.annotations = {"novalue"}; }), "--annotation \"novalue\" is not NAME=VALUE");
}

TEST(RunFlagsTest, PodFlagsBecomeARequest) {
  PodFlags f;
  f.volumes = {"a,kind=empty"};
  f.set_env = {"X=1"};
  f.user_annotations = {"note=hi"};
  auto r = pod_request(f);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->volumes.size(), 1u);
  EXPECT_EQ(r->volumes[0].name, "a");
  ASSERT_EQ(r->environment.size(), 1u);
  EXPECT_EQ(r->environment[0].name, "X");
  EXPECT_TRUE(r->inherited_environment.empty());
  EXPECT_EQ(r->user_annotations.at("note"), "hi");
  f.set_env_file = "/nonexistent/env";
  auto missing = pod_request(f);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("--set-env-file"), std::string::npos);
}

}  // namespace
}  // namespace rkt::stage0
