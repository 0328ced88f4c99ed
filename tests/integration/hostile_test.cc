// The hostile-image suite: images made by the test to attack the extraction, the manifest
// parser and the paths stage1 writes and mounts, fetched and run by the real rkt. Each case ends
// in a clear error or a contained result; for every case, nothing outside the store and the pod
// is written (a canary directory stands for the host, and every escape aims at it), nothing
// half-imported is left, and the store keeps working.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <sstream>

#include "tests/integration/pod_fixture.h"
#include "tests/support/tar_builder.h"

namespace rkt::test {
namespace {

// ---- A raw tar writer, for what libarchive's writer will not produce: a PAX record that
// disagrees with the ustar header, and cut streams.

std::string octal(uint64_t v, size_t width) {
  std::string s(width - 1, '0');
  for (size_t i = width - 1; i-- > 0 && v;) {
    s[i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
  return s + '\0';
}

std::string padded(const std::string& data) { return data + std::string((512 - data.size() % 512) % 512, '\0'); }

std::string ustar(const std::string& name, char type, const std::string& data, const std::string& link = "",
                  mode_t mode = 0644) {
  std::string h(512, '\0');
  auto put = [&h](size_t at, const std::string& v) { h.replace(at, v.size(), v); };
  put(0, name.substr(0, 100));
  put(100, octal(mode, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(data.size(), 12));
  put(136, octal(1500000000, 12));
  put(148, std::string(8, ' '));
  h[156] = type;
  put(157, link.substr(0, 100));
  put(257, std::string("ustar\0", 6) + "00");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put(148, octal(sum, 7) + " ");
  return h + padded(data);
}

std::string pax(const std::vector<std::pair<std::string, std::string>>& records, char type = 'x') {
  std::string body;
  for (const auto& [k, v] : records) {
    std::string rec = " " + k + "=" + v + "\n";
    size_t len = rec.size() + 1;
    while (std::to_string(len).size() + rec.size() != len) ++len;
    body += std::to_string(len) + rec;
  }
  return ustar("PaxHeaders/entry", type, body);
}

std::string tar_end() { return std::string(1024, '\0'); }

const char* const kManifest = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hostile"})";

// ---- The cases.

struct Paths {
  std::string host;   // the canary directory: every escape aims at it
  std::string dots;   // enough "../" to reach / from anywhere in the store or a pod
  std::string probe;  // the probe's bytes
};

enum class Expect { Refused, Fetched, RunRefused, Runs };

struct HostileCase {
  std::string name;
  std::function<void(const Paths&, const std::string& out)> make;
  Expect expect;
  std::string message;  // in the error (Refused, RunRefused) or the probe's output (Runs)
  std::vector<std::string> probe_actions = {};
  std::vector<std::string> run_flags = {};
};

using Make = std::function<void(const Paths&, const std::string&)>;

// An image of TarBuilder entries after the manifest and rootfs.
Make entries(std::function<void(const Paths&, TarBuilder&)> add, const std::string& filter = "",
             const std::string& manifest = kManifest) {
  return [add, filter, manifest](const Paths& p, const std::string& out) {
    TarBuilder t(out, filter);
    t.image(manifest);
    add(p, t);
  };
}

Make raw(std::function<std::string(const Paths&)> bytes) {
  return [bytes](const Paths& p, const std::string& out) { write_file(out, bytes(p)); };
}

Make manifest_only(const std::string& manifest) {
  return entries([](const Paths&, TarBuilder&) {}, "", manifest);
}

// An image that runs the probe, with `add` putting hostile entries in its root.
Make runnable(std::function<void(const Paths&, TarBuilder&)> add, const std::string& app_extra = "") {
  return [add, app_extra](const Paths& p, const std::string& out) {
    TarBuilder t(out);
    t.image(R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hostile",)"
            R"("app":{"exec":["/probe"],"user":"0","group":"0")" +
            app_extra + "}}");
    t.file("rootfs/probe", p.probe, 0755);
    add(p, t);
  };
}

std::string wrong_type(const std::string& fields) {
  return R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hostile",)" + fields + "}";
}

std::vector<HostileCase> cases() {
  std::vector<HostileCase> c;
  auto refuse = [&c](std::string name, Make make, std::string message) {
    c.push_back({std::move(name), std::move(make), Expect::Refused, std::move(message)});
  };
  // Accepted: what the entry does stays inside the image (`why` says what happens to it).
  auto fetched = [&c](std::string name, Make make, const char* why = "") {
    (void)why;
    c.push_back({std::move(name), std::move(make), Expect::Fetched, ""});
  };
  // Names that leave the image.
  refuse("AbsolutePath", entries([](const Paths& p, TarBuilder& t) { t.file(p.host + "/escape", "x"); }), "absolute");
  refuse("DotDotPath",
         entries([](const Paths& p, TarBuilder& t) { t.file("rootfs/" + p.dots + p.host + "/escape", "x"); }), "..");
  refuse("DotDotInsideRootfs", entries([](const Paths&, TarBuilder& t) { t.file("rootfs/a/../../escape", "x"); }),
         "..");
  refuse("PaxPathOverride", raw([](const Paths& p) {
           return ustar("manifest", '0', kManifest) + ustar("rootfs/", '5', "", "", 0755) +
                  pax({{"path", "rootfs/" + p.dots + p.host + "/escape"}}) + ustar("rootfs/benign", '0', "x") +
                  tar_end();
         }),
         "..");
  fetched("PaxGlobalPathOverride", raw([](const Paths& p) {
            return pax({{"path", p.host + "/escape"}}, 'g') + ustar("manifest", '0', kManifest) + tar_end();
          }),
          "a global header names no entry: the path is ignored");
  refuse("PaxLinkpathOverride", raw([](const Paths& p) {
           return ustar("manifest", '0', kManifest) + ustar("rootfs/", '5', "", "", 0755) +
                  pax({{"linkpath", p.host + "/canary"}}) + ustar("rootfs/h", '1', "", "rootfs/benign") + tar_end();
         }),
         "hard link");
  // Links.
  refuse("SymlinkThenWriteAbsolute", entries([](const Paths& p, TarBuilder& t) {
           t.symlink("rootfs/etc", p.host);
           t.file("rootfs/etc/escape", "x");
         }),
         "symlink");
  refuse("SymlinkThenWriteRelative", entries([](const Paths& p, TarBuilder& t) {
           t.symlink("rootfs/etc", p.dots + p.host);
           t.file("rootfs/etc/escape", "x");
         }),
         "symlink");
  refuse("SymlinkChainThenWrite", entries([](const Paths& p, TarBuilder& t) {
           t.symlink("rootfs/a", "b");
           t.symlink("rootfs/b", p.host);
           t.file("rootfs/a/escape", "x");
         }),
         "symlink");
  refuse("SymlinkReplacesADirectory", entries([](const Paths& p, TarBuilder& t) {
           t.dir("rootfs/d");
           t.symlink("rootfs/d", p.host);
           t.file("rootfs/d/escape", "x");
         }),
         "");
  refuse("HardLinkToAHostFile",
         entries([](const Paths& p, TarBuilder& t) { t.hardlink("rootfs/h", p.host + "/canary"); }), "hard link");
  refuse("HardLinkUpAndOut", entries([](const Paths& p, TarBuilder& t) {
           t.hardlink("rootfs/h", "rootfs/" + p.dots + p.host + "/canary");
         }),
         "hard link");
  refuse("HardLinkThroughASymlink", entries([](const Paths& p, TarBuilder& t) {
           t.symlink("rootfs/l", p.host);
           t.hardlink("rootfs/h", "rootfs/l/canary");
         }),
         "is a symlink");
  refuse("HardLinkToTheManifest", entries([](const Paths&, TarBuilder& t) { t.hardlink("rootfs/h", "manifest"); }),
         "hard link");
  refuse("EntryOutsideRootfs", entries([](const Paths&, TarBuilder& t) { t.file("other/file", "x"); }),
         "unexpected entry");
  // The manifest itself.
  refuse("ManifestIsASymlink", raw([](const Paths& p) {
           return ustar("manifest", '2', "", p.host + "/canary", 0777) + ustar("rootfs/", '5', "", "", 0755) +
                  tar_end();
         }),
         "manifest is not a regular file");
  refuse("ManifestIsADirectory", raw([](const Paths&) {
           return ustar("manifest/", '5', "", "", 0755) + ustar("rootfs/", '5', "") + tar_end();
         }),
         "manifest is not a regular file");
  refuse("ManifestIsMissing", raw([](const Paths&) {
           return ustar("rootfs/", '5', "", "", 0755) + ustar("rootfs/a", '0', "x") + tar_end();
         }),
         "manifest");
  refuse("ManifestTwice", entries([](const Paths&, TarBuilder& t) { t.file("manifest", kManifest); }), "manifest");
  refuse("HugeManifest", raw([](const Paths&) {
           std::string m = wrong_type(R"("annotations":[{"name":"a","value":")" + std::string(2 << 20, 'a') + "\"}]");
           return ustar("manifest", '0', m) + tar_end();
         }),
         "manifest is larger than");
  refuse("ManifestNotJson", manifest_only("{\"acKind\":"), "manifest");
  refuse("ManifestWithAByteOrderMark", manifest_only("\xef\xbb\xbf" + std::string(kManifest)), "manifest");
  refuse("ManifestNotUtf8", manifest_only(wrong_type("\"annotations\":[{\"name\":\"a\",\"value\":\"\xff\xfe\"}]")),
         "UTF-8");
  // Every manifest field of the wrong type: the message names the field.
  for (auto [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"acKind", "5"},
           {"acVersion", "[]"},
           {"name", "{}"},
           {"labels", "{}"},
           {"app", "[]"},
           {"app.exec", "\"/probe\""},
           {"app.user", "0"},
           {"app.group", "null"},
           {"app.environment", "{}"},
           {"app.eventHandlers", "\"x\""},
           {"app.workingDirectory", "1"},
           {"app.isolators", "{}"},
           {"app.ports", "1"},
           {"app.mountPoints", "true"},
           {"app.supplementaryGIDs", "[-1]"},
           {"dependencies", "{}"},
           {"pathWhitelist", "\"/\""},
           {"annotations", "{}"},
       }) {
    std::string json;
    std::string leaf = field;
    if (field.rfind("app.", 0) == 0) {
      leaf = field.substr(4);
      json = R"("app":{"exec":["/probe"],"user":"0","group":"0",")" + leaf + "\":" + value + "}";
      // The app's own user and group are replaced, not repeated.
      if (leaf == "user") json = R"("app":{"exec":["/probe"],"group":"0","user":)" + value + "}";
      if (leaf == "group") json = R"("app":{"exec":["/probe"],"user":"0","group":)" + value + "}";
      if (leaf == "exec") json = R"("app":{"user":"0","group":"0","exec":)" + value + "}";
    } else if (field == "acKind" || field == "acVersion" || field == "name") {
      json = "";
    } else {
      json = "\"" + field + "\":" + value;
    }
    std::string m = json.empty() ? std::string(kManifest) : wrong_type(json);
    if (json.empty()) {
      std::string key = "\"" + field + "\":";
      size_t at = m.find(key) + key.size();
      size_t end = m.find_first_of(",}", at);
      m.replace(at, end - at, value);
    }
    std::string test = "WrongType_" + field;
    std::replace(test.begin(), test.end(), '.', '_');
    refuse(test, manifest_only(m), leaf);
  }
  // Broken streams.
  refuse("TruncatedTar", raw([](const Paths&) {
           std::string t = ustar("manifest", '0', kManifest) + ustar("rootfs/", '5', "", "", 0755) +
                           ustar("rootfs/big", '0', std::string(100000, 'b'));
           return t.substr(0, t.size() - 50000);
         }),
         "");
  for (std::string filter : {"gzip", "xz", "bzip2", "zstd"}) {
    refuse(
        "Truncated_" + filter,
        [filter](const Paths&, const std::string& out) {
          {
            TarBuilder t(out + ".whole", filter);
            t.image(kManifest);
            std::string data(300000, '\0');
            for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 3);
            t.file("rootfs/data", data);
          }
          std::string whole = read_file(out + ".whole");
          write_file(out, whole.substr(0, whole.size() / 2));
        },
        "");
  }
  refuse("NotAnArchive", raw([](const Paths&) { return std::string("#!/bin/sh\necho not an image\n"); }), "");
  refuse("Empty", raw([](const Paths&) { return std::string(); }), "");
  // Names the filesystem cannot hold.
  refuse("ComponentLongerThanNameMax",
         entries([](const Paths&, TarBuilder& t) { t.file("rootfs/" + std::string(300, 'n'), "x"); }), "");
  fetched("PathLongerThanPathMax", entries([](const Paths&, TarBuilder& t) {
            std::string deep = "rootfs";
            while (deep.size() < 5000) deep += "/" + std::string(200, 'd');
            t.file(deep + "/f", "x");
          }),
          "created one component at a time, never as one path");
  fetched("DuplicateFile", entries([](const Paths&, TarBuilder& t) {
            t.file("rootfs/dup", "one");
            t.file("rootfs/dup", "two");
          }),
          "the later entry replaces the earlier, as in a layer");
  fetched("FileThenDirectoryOfOneName", entries([](const Paths&, TarBuilder& t) {
            t.file("rootfs/dup", "one");
            t.dir("rootfs/dup");
            t.file("rootfs/dup/f", "two");
          }),
          "the directory replaces the file");

  // Contained: accepted, and confined to the image.
  fetched("DeviceNodesAreNotCreated", entries([](const Paths&, TarBuilder& t) { t.device("rootfs/mem"); }));
  fetched("SetuidAndSetgidFiles", entries([](const Paths&, TarBuilder& t) {
            t.file("rootfs/su", "x", 04755);
            t.file("rootfs/sg", "x", 02755);
          }));
  fetched("ControlCharactersAndNewlinesInNames", entries([](const Paths&, TarBuilder& t) {
            t.file("rootfs/new\nline", "x");
            t.file("rootfs/esc\x1b[31mape", "x");
            t.file("rootfs/tab\there\r", "x");
          }));
  fetched("NamesNotUtf8", entries([](const Paths&, TarBuilder& t) { t.file("rootfs/\xff\xfe\x80", "x"); }));
  fetched("AbsoluteAndDanglingSymlinksStayLinks", entries([](const Paths& p, TarBuilder& t) {
            t.symlink("rootfs/abs", p.host + "/canary");
            t.symlink("rootfs/rel", p.dots + p.host + "/canary");
            t.symlink("rootfs/dangling", "/nonexistent/x");
          }));
  fetched("FifoEntry", entries([](const Paths&, TarBuilder& t) { t.fifo("rootfs/fifo"); }));

  // Paths stage1 writes or mounts, as symlinks to the host: the write lands inside the pod's root
  // or the run fails clearly.
  // `text` is in the probe's output (Runs) or in the error (RunRefused).
  auto pod = [&c](Expect expect) {
    return [&c, expect](std::string name, Make make, std::vector<std::string> actions, std::string text,
                        std::vector<std::string> flags = {}) {
      c.push_back({std::move(name), std::move(make), expect, std::move(text), std::move(actions), std::move(flags)});
    };
  };
  auto runs = pod(Expect::Runs);
  // A dangling link: the write would create a file outside the image's tree, so the run stops.
  auto run_refused = pod(Expect::RunRefused);
  run_refused("EtcHostsToTheHost", runnable([](const Paths& p, TarBuilder& t) {
                t.dir("rootfs/etc");
                t.symlink("rootfs/etc/hosts", p.host + "/canary");
              }),
              {"read:/etc/hosts"}, "writing \"/etc/hosts\"");
  run_refused("EtcHostsUpAndOut", runnable([](const Paths& p, TarBuilder& t) {
                t.dir("rootfs/etc");
                t.symlink("rootfs/etc/hosts", p.dots + p.host + "/canary");
              }),
              {"read:/etc/hosts"}, "writing \"/etc/hosts\"");
  runs("EtcToTheHost", runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/etc", p.host); }),
       {"read:/etc/hostname"}, "rkt-");
  run_refused("EtcHostnameToTheHost", runnable([](const Paths& p, TarBuilder& t) {
                t.dir("rootfs/etc");
                t.symlink("rootfs/etc/hostname", p.host + "/canary");
              }),
              {"read:/etc/hostname"}, "writing \"/etc/hostname\"");
  run_refused("EtcResolvConfToTheHost", runnable([](const Paths& p, TarBuilder& t) {
                t.dir("rootfs/etc");
                t.symlink("rootfs/etc/resolv.conf", p.host + "/canary");
              }),
              {"read:/etc/resolv.conf"}, "writing \"/etc/resolv.conf\"", {"--dns=192.0.2.53"});
  runs("ProcToTheHost", runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/proc", p.host); }),
       {"mounted:/proc", "read:/proc/self/comm"}, "probe");
  runs("SysToTheHost", runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/sys", p.dots + p.host); }),
       {"mounted:/sys"}, "mounted /sys: yes");
  runs("DevToTheHost", runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/dev", p.host); }),
       {"write:/dev/null", "mounted:/dev"}, "mounted /dev: yes");
  runs("DevShmToTheHost", runnable([](const Paths& p, TarBuilder& t) {
         t.dir("rootfs/dev");
         t.symlink("rootfs/dev/shm", p.host);
       }),
       {"write:/dev/shm/escape"}, "write /dev/shm/escape: ok");
  runs("TmpToTheHost", runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/tmp", p.host); }),
       {"write:/tmp/escape"}, "write /tmp/escape: error Too many levels of symbolic links");
  runs("MountTargetToTheHost",
       runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/data", p.host); },
                R"(,"mountPoints":[{"name":"data","path":"/data"}])"),
       {"mounted:/data", "write:/data/from-pod"}, "mounted /data: yes\nwrite /data/from-pod: ok",
       {"--volume=data,kind=empty"});
  run_refused("WorkingDirectoryToTheHost",
              runnable([](const Paths& p, TarBuilder& t) { t.symlink("rootfs/work", p.host); },
                       R"(,"workingDirectory":"/work")"),
              {"cwd", "write:escape"}, "changing to the working directory \"/work\"");
  return c;
}

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

class HostileImageSuite : public RunTest, public ::testing::WithParamInterface<HostileCase> {
 protected:
  // What the canary directory holds: names, sizes, modes and contents.
  std::string snapshot() {
    return run_command(
               {"/usr/bin/find", host_, "-printf", "%p %y %s %m %l\\n", "-type", "f", "-exec", "/bin/cat", "{}", ";"})
        .out;
  }

  std::string host_;
};

TEST_P(HostileImageSuite, IsRefusedOrContained) {
  const HostileCase& hc = GetParam();
  host_ = tmp_ / "host";
  ASSERT_EQ(::mkdir(host_.c_str(), 0755), 0);
  write_file(host_ + "/canary", "host file\n");
  Paths p{host_, "", read_file(probe_binary())};
  for (int i = 0; i < 40; ++i) p.dots += "../";
  p.dots.pop_back();
  std::string image = tmp_ / "hostile.aci";
  hc.make(p, image);
  ASSERT_EQ(rkt({"image", "list"}).exit_code, 0);
  std::string before = snapshot();
  std::string top_before = run_command({"/bin/ls", "-a", tmp_.path()}).out;

  auto fetch = rkt({"fetch", image});
  if (hc.expect == Expect::Refused) {
    EXPECT_EQ(fetch.exit_code, 254) << fetch.out;
    EXPECT_NE(fetch.err.find(hc.message), std::string::npos) << fetch.err;
    EXPECT_NE(fetch.err.find("hostile.aci"), std::string::npos) << "the error names the image: " << fetch.err;
    std::string errors;
    std::istringstream in(fetch.err);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("rkt: ", 0) == 0 && line.find("rkt: warning: signature verification is disabled") != 0)
        errors += line + "\n";
    }
    EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << "one error: " << fetch.err;
    EXPECT_EQ(fetch.err.find("\"\""), std::string::npos) << "quoted twice: " << fetch.err;
    EXPECT_EQ(rkt({"image", "list", "--no-legend", "--fields=name"}).out, "") << "nothing imported";
  } else {
    ASSERT_EQ(fetch.exit_code, 0) << fetch.err;
  }
  if (hc.expect == Expect::Runs || hc.expect == Expect::RunRefused) {
    std::vector<std::string> args = {"run", "--net=host"};
    args.insert(args.end(), hc.run_flags.begin(), hc.run_flags.end());
    args.push_back(image);
    args.push_back("--");
    args.insert(args.end(), hc.probe_actions.begin(), hc.probe_actions.end());
    auto run = rkt(args);
    if (hc.expect == Expect::Runs) {
      EXPECT_EQ(run.exit_code, 0) << run.err;
      EXPECT_NE(run.out.find(hc.message), std::string::npos) << run.out << run.err;
    } else {
      EXPECT_EQ(run.exit_code, 254) << run.out;
      EXPECT_NE(run.err.find(hc.message), std::string::npos) << run.err;
    }
    EXPECT_EQ(run.out.find("host file"), std::string::npos) << "the pod read the host's file: " << run.out;
  }

  EXPECT_EQ(snapshot(), before) << "the canary directory changed";
  EXPECT_EQ(run_command({"/bin/ls", "-a", tmp_.path()}).out, top_before) << "written beside the store";
  EXPECT_EQ(run_command({"/usr/bin/find", "/", "-xdev", "-maxdepth", "2", "-name", "escape"}).out, "");
  EXPECT_EQ(run_command({"/usr/bin/find", tmp_.path(), "-name", "escape", "-not", "-path", "*/pods/*"}).out, "")
      << "an escape outside the pods";
  auto leftovers = run_command({"/usr/bin/find", tmp_ / "data/cas/tmp", "-mindepth", "1"});
  EXPECT_EQ(leftovers.out, "") << "half-imported files";
  // The store keeps working: a good image fetches and runs after the bad one.
  auto list = rkt({"image", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  auto good = probe({}, {}, {"hostname"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("hostname: rkt-"), std::string::npos) << good.out;
  auto gc = rkt({"gc", "--grace-period=0s"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
}

INSTANTIATE_TEST_SUITE_P(Images, HostileImageSuite, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<HostileCase>& i) { return i.param.name; });

}  // namespace
}  // namespace rkt::test
