#pragma once

// The fixture of the tests that run pods, as root: the real rkt, stage1 and stage2 run an image
// holding the static probe, and each property is checked from inside the pod by what it prints.

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace rkt::test {

/// The probe's "key: value" lines as a map.
inline std::map<std::string, std::string> lines(const std::string& out) {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(": ");
    if (colon == std::string::npos) colon = line.find(":\t");
    if (colon != std::string::npos) m[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return m;
}

/// The inode of one of this process's namespaces.
inline std::string self_ns(const char* ns) {
  struct stat st {};
  ::stat((std::string("/proc/self/ns/") + ns).c_str(), &st);
  return std::to_string(st.st_ino);
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RKT_REQUIRE(::geteuid() == 0, "root (rkt run creates namespaces and mounts)");
    ASSERT_EQ(::mkdir((tmp_ / "host-target").c_str(), 0755), 0);
    image_ = build_image("example.com/probe", "probe.aci");
  }

  // An image with the probe at /probe, users, an owned file and a symlink to a host directory.
  std::string build_image(const std::string& name, const std::string& file, const std::string& app_extra = "") {
    std::string l = tmp_ / (file + ".layout");
    for (const char* d : {"", "/rootfs", "/rootfs/etc", "/rootfs/tmp", "/rootfs/data"}) ::mkdir((l + d).c_str(), 0755);
    ::chmod((l + "/rootfs/tmp").c_str(), 01777);
    EXPECT_EQ(run_command({"/bin/cp", probe_binary(), l + "/rootfs/probe"}).exit_code, 0);
    write_file(l + "/rootfs/etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1001:Alice:/home/alice:/bin/sh\n");
    write_file(l + "/rootfs/etc/group", "root:x:0:\nalice:x:1001:\nextra:x:1002:alice\n");
    write_file(l + "/rootfs/owned", "owned");
    EXPECT_EQ(::chown((l + "/rootfs/owned").c_str(), 4242, 4343), 0);
    ::symlink((tmp_ / "host-target").c_str(), (l + "/rootfs/evil").c_str());
    write_file(l + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" + name +
                                    R"(","app":{"exec":["/probe","id"],"user":"0","group":"0",
              "environment":[{"name":"FROM_IMAGE","value":"image"},{"name":"OVERRIDDEN","value":"image"}])" +
                                    app_extra + "}}");
    std::string out = tmp_ / file;
    auto r = run_command({actool_binary(), "build", "--overwrite", l, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  CommandResult rkt(std::vector<std::string> args) {
    std::vector<std::string> argv = {rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"),
                                     "--insecure-options=image"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }

  // rkt run --net=host IMAGE --exec=/probe -- ACTIONS...
  CommandResult probe(std::vector<std::string> pod_flags, std::vector<std::string> app_flags,
                      std::vector<std::string> actions) {
    std::vector<std::string> args = {"run"};
    bool has_net = false;
    for (const auto& f : pod_flags) has_net |= f.rfind("--net", 0) == 0;
    if (!has_net) args.push_back("--net=host");
    args.insert(args.end(), pod_flags.begin(), pod_flags.end());
    args.push_back(image_);
    args.push_back("--exec=/probe");
    args.insert(args.end(), app_flags.begin(), app_flags.end());
    args.push_back("--");
    args.insert(args.end(), actions.begin(), actions.end());
    return rkt(args);
  }

  // The store opens and lists, and every image it lists is whole.
  void expect_images_whole() {
    auto images = rkt({"image", "list", "--no-legend", "--full", "--fields=id"});
    ASSERT_EQ(images.exit_code, 0) << images.err;
    std::istringstream ids(images.out);
    for (std::string id; std::getline(ids, id);) {
      auto v = rkt({"image", "verify", id});
      EXPECT_EQ(v.exit_code, 0) << "listed image " << id << " is not whole: " << v.err;
    }
  }

  // rkt gc removes every pod that is not running, with its files, mounts and cgroups (those of
  // `uuids`: other tests may run pods at the same time).
  void expect_collected(const std::vector<std::string>& uuids) {
    auto gc = rkt({"gc", "--grace-period=0s"});
    EXPECT_EQ(gc.exit_code, 0) << gc.err;
    EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/pods", "-mindepth", "2"}).out, "") << "no pod file remains";
    EXPECT_EQ(read_file("/proc/self/mountinfo").find(tmp_.path()), std::string::npos) << "no mount under the data dir";
    auto cg = run_command({"/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "4", "-name", "rkt-*"});
    for (const auto& u : uuids) EXPECT_EQ(cg.out.find("rkt-" + u), std::string::npos) << "a cgroup of pod " << u;
  }

  // rkt image gc sweeps what was staged, and what was committed without an index record: each
  // blob and tree left is a listed image's.
  void expect_store_swept() {
    auto igc = rkt({"image", "gc", "--grace-period=24h"});
    EXPECT_EQ(igc.exit_code, 0) << igc.err;
    EXPECT_EQ(run_command({"/usr/bin/find", tmp_ / "data/cas/tmp", "-mindepth", "1"}).out, "") << "nothing staged";
    auto listed = rkt({"image", "list", "--no-legend", "--full", "--fields=id"}).out;
    std::istringstream blobs(
        run_command({"/usr/bin/find", tmp_ / "data/cas/blob", "-type", "f", "-printf", "%f\n"}).out);
    for (std::string b; std::getline(blobs, b);) EXPECT_NE(listed.find(b), std::string::npos) << "orphan blob " << b;
    std::istringstream trees(
        run_command({"/usr/bin/find", tmp_ / "data/cas/tree", "-mindepth", "2", "-maxdepth", "2", "-name", "image"})
            .out);
    for (std::string t; std::getline(trees, t);) {
      std::string owner = read_file(t);
      EXPECT_NE(listed.find(owner.substr(0, owner.find('\n'))), std::string::npos) << "orphan tree " << t;
    }
    std::istringstream names(
        run_command({"/usr/bin/find", tmp_ / "data/cas/name", "-type", "f", "-printf", "%f\n"}).out);
    for (std::string n; std::getline(names, n);)
      EXPECT_NE(listed.find(n), std::string::npos) << "orphan name record " << n;
  }

  TempDir tmp_;
  std::string image_;
};

// Starts `rkt run` in the background, its stdout in `out`; returns its pid once the app printed
// "trap: waiting".
inline pid_t start_trapped(const std::vector<std::string>& argv, const std::string& out) {
  pid_t pid = spawn_to_file(argv, out);
  wait_for_text(out, "trap: waiting", std::chrono::seconds(20));
  return pid;
}

}  // namespace rkt::test
