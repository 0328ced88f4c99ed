// Every text and JSON format that users and clients parse, compared with golden files written from
// rkt 1.30's source (tests/golden/README.md says which source line each file follows). One
// scenario makes a pod of each kind (exited with two apps, prepared, running with annotations,
// labels and a volume), pins their times, and compares every output of list, status, image list,
// fetch, version, trust, stop, rm, gc, image rm and image gc, stdout and stderr apart.
//
// A golden file is the output with {KEY} placeholders: a value this test knows (a UUID, an image
// ID, a pinned time) or a pattern (a humanized time or size of the store's own records). In a
// table file (*.table) cells are separated by one tab, as rkt's Fprintf format strings separate
// them; the output must hold exactly those cells, padded exactly as Go's tabwriter pads them.

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <ctime>
#include <regex>

#include "common/stage1_abi.h"
#include "common/tabwriter.h"
#include "tests/integration/pod_fixture.h"
#include "tests/support/test_keys.h"

namespace rkt::test {
namespace {

constexpr const char* kMissing = "00000000-0000-0000-0000-000000000000";

// The patterns of values the store sets itself.
const std::map<std::string, std::string>& patterns() {
  static const std::map<std::string, std::string> p = {
      // go-humanize's Time, as rkt vendored it: "now", "N seconds ago", "1 minute ago", ...
      {"AGO", "now|1 second ago|[0-9]+ seconds ago|1 minute ago|[0-9]+ minutes ago"},
      // Patterns hold no capturing group: a table's cells are the only groups.
      // Go's "2006-01-02 15:04:05.999 -0700 MST": trailing zeros of the fraction dropped.
      {"TIME", R"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{0,2}[1-9])? \+0000 UTC)"},
      // go-humanize's IBytes: "7B", "1.2MiB", "79MiB".
      {"IBYTES", "[0-9]+B|[0-9]\\.[0-9][KMGTPE]iB|[0-9]+[KMGTPE]iB"},
      {"INT", "[0-9]+"},
      {"ANY_ID", "sha512-[0-9a-f]{64}"},  // an image this test did not fetch: the stage1 image
      {"ANY_ID19", "sha512-[0-9a-f]{12}"},
      {"NS", "[0-9]{19}"},
      {"VERSION", R"([0-9]+\.[0-9]+\.[0-9]+[^ ]*)"},
      {"COMPILER", R"([^()]+)"},
  };
  return p;
}

std::string escape(const std::string& s) {
  static const std::string special = R"(\^$.|?*+()[]{}/)";
  std::string out;
  for (char c : s) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// One line (or cell) of a golden file as a regex: literal text, placeholders replaced.
std::string to_regex(const std::string& tmpl, const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    size_t open = tmpl.find('{', i);
    size_t close = open == std::string::npos ? open : tmpl.find('}', open);
    std::string key = close == std::string::npos ? "" : tmpl.substr(open + 1, close - open - 1);
    bool is_key = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!is_key) {
      size_t end = open == std::string::npos ? tmpl.size() : open + 1;
      out += escape(tmpl.substr(i, end - i));
      i = end;
      continue;
    }
    out += escape(tmpl.substr(i, open - i));
    if (auto v = values.find(key); v != values.end()) {
      out += escape(v->second);
    } else if (auto p = patterns().find(key); p != patterns().end()) {
      out += "(?:" + p->second + ")";
    } else {
      ADD_FAILURE() << "the golden file names an unknown placeholder {" << key << "}";
    }
    i = close + 1;
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + 1)
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

std::string golden(const std::string& name) {
  std::string path = std::string(RKT_TEST_SOURCE_DIR) + "/../golden/" + name;
  if (::access(path.c_str(), R_OK) != 0) ADD_FAILURE() << "no golden file " << name;
  return read_file(path);
}

// The output matches the golden file `name` line by line; a table's cells also have to be padded
// as Go's tabwriter pads them.
void expect_golden(const std::string& name, const std::string& actual,
                   const std::map<std::string, std::string>& values) {
  SCOPED_TRACE("golden file tests/golden/" + name);
  const std::string tmpl = golden(name);
  const bool table = name.size() > 6 && name.compare(name.size() - 6, 6, ".table") == 0;
  std::vector<std::string> want = split(tmpl, '\n'), got = split(actual, '\n');
  ASSERT_EQ(got.size(), want.size()) << "line count; the output:\n" << actual << "\nthe golden file:\n" << tmpl;
  std::string cells;  // the output's cells, one tab apart
  for (size_t n = 0; n < want.size(); ++n) {
    if (!table) {
      EXPECT_TRUE(std::regex_match(got[n], std::regex(to_regex(want[n], values))))
          << "line " << n + 1 << "\n  output: " << got[n] << "\n  golden: " << want[n];
      continue;
    }
    std::vector<std::string> parts = split(want[n], '\t');
    std::string re;
    for (size_t c = 0; c < parts.size(); ++c) re += (c ? "\t+(" : "(") + to_regex(parts[c], values) + ")";
    std::smatch m;
    if (!std::regex_match(got[n], m, std::regex(re))) {
      ADD_FAILURE() << "line " << n + 1 << "\n  output: " << got[n] << "\n  golden: " << want[n];
      return;
    }
    for (size_t c = 1; c < m.size(); ++c) cells += (c > 1 ? "\t" : "") + m[c].str();
    if (n + 1 < want.size()) cells += "\n";
  }
  if (table) {
    EXPECT_EQ(actual, tab_align(cells)) << "the cells are not padded as Go's tabwriter pads them";
  }
}

class GoldenTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    ::setenv("TZ", "UTC", 1);  // Go prints times in the local zone; UTC makes it "+0000 UTC"
    probe_ = build("example.com/probe", "1.0", "golden-probe.aci");
    other_ = build("example.com/other", "2.0", "golden-other.aci");
  }
  void TearDown() override { ::unsetenv("TZ"); }

  std::string build(const std::string& name, const std::string& version, const std::string& file) {
    std::string l = tmp_ / (file + ".layout");
    EXPECT_EQ(::mkdir(l.c_str(), 0755), 0);
    EXPECT_EQ(::mkdir((l + "/rootfs").c_str(), 0755), 0);
    EXPECT_EQ(run_command({"/bin/cp", probe_binary(), l + "/rootfs/probe"}).exit_code, 0);
    write_file(l + "/manifest", R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" + name +
                                    R"(","labels":[{"name":"version","value":")" + version +
                                    R"("},{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],
                "app":{"exec":["/probe","exit:0"],"user":"0","group":"0"}})");
    std::string out = tmp_ / file;
    auto r = run_command({actool_binary(), "build", l, out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  // The pod's directory, in whichever phase it is.
  std::string pod_dir(const std::string& uuid) {
    for (const char* phase : {"run", "prepared", "exited-garbage", "garbage"}) {
      std::string d = tmp_ / ("data/pods/" + std::string(phase) + "/" + uuid);
      if (::access(d.c_str(), F_OK) == 0) return d;
    }
    ADD_FAILURE() << "no directory of pod " << uuid;
    return "";
  }

  // Sets the times rkt reads a pod's creation and start from (pod-created and pid, as rkt's
  // pkg/pod CreationTime and StartTime).
  static void set_mtime(const std::string& path, int64_t ns) {
    struct timespec ts[2] = {{ns / 1000000000, ns % 1000000000}, {ns / 1000000000, ns % 1000000000}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, 0), 0) << path;
  }

  static std::string go_time(int64_t ns) {  // the .12 fraction is what this test pins
    time_t s = ns / 1000000000;
    struct tm tm {};
    ::gmtime_r(&s, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(buf) + ".12 +0000 UTC";
  }

  std::string probe_, other_;
};

TEST_F(GoldenTest, EveryFormatIsRkts) {
  std::map<std::string, std::string> v;

  auto version = rkt({"version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  expect_golden("version.txt", version.out, v);

  // fetch: the short ID (rkt's store key, 32 hex digits), --full the whole key; nothing on stdout
  // but the key.
  auto fetched = rkt({"fetch", probe_});
  auto full = rkt({"fetch", "--full", other_});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  ASSERT_EQ(full.exit_code, 0) << full.err;
  v["ID"] = rkt({"fetch", "--full", probe_}).out.substr(0, 7 + 64);
  v["OTHER_ID"] = full.out.substr(0, 7 + 64);
  v["SHORT_ID"] = v["ID"].substr(0, 7 + 32);
  v["ID19"] = v["ID"].substr(0, 19);
  v["OTHER_ID19"] = v["OTHER_ID"].substr(0, 19);
  v["PROBE_ACI"] = probe_;
  v["OTHER_ACI"] = other_;
  expect_golden("fetch.txt", fetched.out, v);
  expect_golden("fetch-full.txt", full.out, v);
  expect_golden("fetch-insecure.stderr", fetched.err, v);

  // trust: the fingerprint in rkt's grouping on stdout, the summary through pubkey's logger.
  GpgKey key = make_key(tmp_.path(), "ed25519", "Signer <signer@example.com>");
  ASSERT_FALSE(key.fingerprint.empty());
  write_file(tmp_ / "signer.pub", key.public_key);
  v["FINGERPRINT"] = rkt_fingerprint(key.fingerprint);
  v["KEY"] = tmp_ / "signer.pub";
  v["KEY_PATH"] = tmp_ / ("etc/trustedkeys/prefix.d/example.com/probe/" + key.fingerprint);
  auto trust = rkt({"trust", "--skip-fingerprint-review", "--prefix=example.com/probe", tmp_ / "signer.pub"});
  stop_agent(key);
  ASSERT_EQ(trust.exit_code, 0) << trust.err;
  expect_golden("trust.txt", trust.out, v);
  expect_golden("trust.stderr", trust.err, v);

  // Pod A: two apps, exited (3 and 0). Pod B: prepared. Pod C: running, with a user annotation,
  // user labels and a host volume.
  // The first app waits: its exit stops the other, which must have exited 0 by then.
  auto a = rkt({"run", "--net=host", "--uuid-file-save=" + (tmp_ / "a"), probe_, "--exec=/probe", "--", "sleep:1",
                "exit:3", "---", other_, "--exec=/probe", "--", "exit:0"});
  ASSERT_EQ(a.exit_code, 3) << a.err;
  auto b = rkt({"prepare", "--quiet", probe_});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(::mkdir((tmp_ / "vol").c_str(), 0755), 0);
  pid_t c_pid = start_trapped(
      {rkt_binary(), "--dir=" + (tmp_ / "data"), "--local-config=" + (tmp_ / "etc"), "--insecure-options=image", "run",
       "--net=host", "--uuid-file-save=" + (tmp_ / "c"), "--user-annotation=io.kubernetes.pod.uid=1234",
       "--user-label=app=web", "--user-label=tier=front", "--volume=data,kind=host,source=" + (tmp_ / "vol"), probe_,
       "--exec=/probe", "--mount=volume=data,target=/data", "--", "trap:0"},
      tmp_ / "c.out");
  v["A"] = read_file(tmp_ / "a");
  v["B"] = b.out.substr(0, 36);
  v["C"] = read_file(tmp_ / "c");
  v["VOL"] = tmp_ / "vol";
  for (const char* p : {"A", "B", "C"}) {
    ASSERT_EQ(v[p].size(), 36u) << p;
    v[std::string(p) + "8"] = v[p].substr(0, 8);
  }

  // Fifteen days ago ("2 weeks ago" in a table), a minute apart, each started a second later.
  const int64_t created = (static_cast<int64_t>(std::time(nullptr)) - 15 * 86400) * 1000000000 + 120000000;
  int64_t t = created;
  for (const char* p : {"A", "B", "C"}) {
    std::string dir = pod_dir(v[p]);
    set_mtime(dir + "/pod-created", t);
    if (std::string(p) != "B") set_mtime(dir + "/pid", t + 1000000000);
    // The pod's summary records those times when they are written (common/stage1_abi.h).
    auto summary = stage1_abi::read_pod_summary(dir);
    ASSERT_TRUE(summary) << "pod " << p << " has a summary";
    ASSERT_GT(summary->created_ns, 0) << "pod " << p;
    summary->created_ns = t;
    if (summary->started_ns > 0) summary->started_ns = t + 1000000000;
    ASSERT_TRUE(stage1_abi::write_pod_summary(dir, *summary));
    v[std::string(p) + "_CREATED"] = go_time(t);
    v[std::string(p) + "_STARTED"] = go_time(t + 1000000000);
    v[std::string(p) + "_CREATED_S"] = std::to_string(t / 1000000000);
    v[std::string(p) + "_STARTED_S"] = std::to_string(t / 1000000000 + 1);
    v[std::string(p) + "_CREATED_NS"] = std::to_string(t);
    v[std::string(p) + "_STARTED_NS"] = std::to_string(t + 1000000000);
    t += 60 * 1000000000LL;
  }

  auto out = [&](std::vector<std::string> args) {
    auto r = rkt(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  };
  expect_golden("list.table", out({"list"}), v);
  expect_golden("list-full.table", out({"list", "--full"}), v);
  expect_golden("list-no-legend.table", out({"list", "--no-legend"}), v);
  expect_golden("list.json", out({"list", "--format=json"}), v);
  expect_golden("list-pretty.json", out({"list", "--format=json-pretty"}), v);
  expect_golden("status-exited.txt", out({"status", v["A"]}), v);
  expect_golden("status-prepared.txt", out({"status", v["B"]}), v);
  expect_golden("status-running.txt", out({"status", v["C"]}), v);
  expect_golden("status-exited.json", out({"status", "--format=json", v["A"]}), v);
  expect_golden("status-prepared.json", out({"status", "--format=json", v["B"]}), v);
  expect_golden("status-running-pretty.json", out({"status", "--format=json-pretty", v["C"]}), v);
  // The same from the pods' own files, without their summaries.
  for (const char* p : {"A", "B", "C"}) ::unlink((pod_dir(v[p]) + "/" + stage1_abi::kPodSummary).c_str());
  expect_golden("list-full.table", out({"list", "--full"}), v);
  expect_golden("list.json", out({"list", "--format=json"}), v);
  expect_golden("status-exited.txt", out({"status", v["A"]}), v);
  expect_golden("status-running.txt", out({"status", v["C"]}), v);
  expect_golden("image-list.table", out({"image", "list"}), v);
  expect_golden("image-list-full.table", out({"image", "list", "--full"}), v);
  expect_golden("image-list-fields.table", out({"image", "list", "--no-legend", "--fields=name,id"}), v);
  expect_golden("image-list.json", out({"image", "list", "--format=json"}), v);
  expect_golden("image-list-pretty.json", out({"image", "list", "--format=json-pretty"}), v);

  // Failures: the lines rktlet matches are rkt's; the others are this project's one line each.
  auto fails = [&](const std::string& golden_name, std::vector<std::string> args, int code = 254) {
    auto r = rkt(std::move(args));
    EXPECT_EQ(r.exit_code, code) << golden_name << ": " << r.err;
    expect_golden(golden_name + ".stdout", r.out, v);
    expect_golden(golden_name + ".stderr", r.err, v);
  };
  fails("stop-missing", {"stop", kMissing});
  fails("stop-exited", {"stop", v["A"]}, 0);
  fails("status-missing", {"status", kMissing});
  fails("rm-missing", {"rm", kMissing});
  fails("rm-running", {"rm", v["C"]});
  fails("image-rm-missing", {"image", "rm", "sha512-0000"});

  // The way out: stop C, rm A, gc C, rm B, then the images.
  fails("stop", {"stop", v["C"]}, 0);
  int st = 0;
  ASSERT_EQ(::waitpid(c_pid, &st, 0), c_pid);
  fails("rm", {"rm", v["A"]}, 0);
  fails("gc", {"gc", "--grace-period=0s"}, 0);
  fails("rm-prepared", {"rm", v["B"]}, 0);
  fails("image-rm", {"image", "rm", v["OTHER_ID"]}, 0);
  fails("image-gc", {"image", "gc", "--grace-period=0s"}, 0);
}

}  // namespace
}  // namespace rkt::test
