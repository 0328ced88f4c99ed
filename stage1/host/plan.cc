#include "stage1/host/plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "common/fs.h"
#include "common/stage1_abi.h"
#include "spec/manifest.h"
#include "stage1/host/seccomp.h"

namespace rkt::stage1 {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Result<std::string> read_text(const std::string& path) { return read_file(path, 16 << 20); }

}  // namespace

void Command::finish() {
  argv.clear();
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
}

Result<PodPlan> build_plan(const std::string& pod_dir, const std::string& uuid) {
  PodPlan plan;
  plan.uuid = uuid;
  plan.pod_dir = pod_dir;
  auto manifest_text = read_text(pod_dir + "/pod");
  RKT_TRY(manifest_text);
  auto pod = spec::parse_pod_manifest(*manifest_text, pod_dir + "/pod");
  RKT_TRY(pod);
  auto rc = stage1_abi::read_runtime_config(pod_dir);
  RKT_TRY(rc);

  plan.hostname = rc->hostname.empty() ? "rkt-" + uuid : rc->hostname;
  if (rc->net != "host" && rc->net != "none") {
    return Error(Errc::Unsupported, "network " + quote(rc->net) + " is not available (use --net=host or --net=none)");
  }
  plan.host_network = rc->net == "host";
  plan.masked_paths = !rc->insecure_paths;
  plan.host_ipc = rc->ipc == "parent";
  plan.interactive = rc->interactive;
  bool insecure_caps = rc->insecure_capabilities;
  bool insecure_seccomp = rc->insecure_seccomp;

  std::string hosts = "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "127.0.1.1\t" + plan.hostname + "\n";
  for (const auto& e : rc->hosts_entries) {
    if (e == "host") {
      auto h = read_text("/etc/hosts");
      if (h) hosts = *h;
      continue;
    }
    size_t eq = e.find('=');
    if (eq != std::string::npos) hosts += e.substr(0, eq) + "\t" + e.substr(eq + 1) + "\n";
  }
  std::string resolv;
  const auto& dns = rc->dns;
  bool dns_none = !dns.empty() && dns[0] == "none";
  if (!dns_none) {
    if ((dns.empty() && plan.host_network) || (!dns.empty() && dns[0] == "host")) {
      auto r = read_text("/etc/resolv.conf");
      if (r) resolv = *r;
    } else if (!dns.empty()) {
      for (const auto& d : dns) resolv += "nameserver " + d + "\n";
      const auto& search = rc->dns_search;
      if (!search.empty()) {
        resolv += "search";
        for (const auto& s : search) resolv += " " + s;
        resolv += "\n";
      }
      const auto& opts = rc->dns_opt;
      if (!opts.empty()) {
        resolv += "options";
        for (const auto& o : opts) resolv += " " + o;
        resolv += "\n";
      }
      if (!rc->dns_domain.empty()) resolv += "domain " + rc->dns_domain + "\n";
    }
  }

  // os/unix/sysctl, from the pod's isolators and the apps': only keys of the namespaces the pod
  // owns, so a pod can never change the host's kernel settings.
  auto add_sysctls = [&](const spec::Isolators& isos, const std::string& where) -> Status {
    for (const auto& iso : isos) {
      const auto* sc = std::get_if<spec::Sysctl>(&iso.value);
      if (!sc) continue;
      for (const auto& [key, value] : *sc) {
        bool ipc = (key.rfind("kernel.shm", 0) == 0 || key.rfind("kernel.msg", 0) == 0 || key == "kernel.sem" ||
                    key.rfind("fs.mqueue.", 0) == 0) && !plan.host_ipc;
        bool net_key = key.rfind("net.", 0) == 0;
        if (!ipc && !(net_key && !plan.host_network)) {
          return Error(Errc::Unsupported, where + ": sysctl " + quote(key) +
                                              (net_key ? " changes the host's network (it shares the host's with --net=host)"
                                                   : " is not namespaced: the pod cannot set it"));
        }
        if (key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
          return Error(Errc::InvalidArgument, where + ": bad sysctl name " + quote(key));
        }
        std::string path = "/proc/sys/" + key;
        for (auto& c : path) c = c == '.' ? '/' : c;
        plan.sysctls.emplace_back(path, value);
      }
    }
    return ok();
  };
  RKT_TRY(add_sysctls(pod->isolators, "pod"));
  for (const auto& ra : pod->apps) {
    if (ra.app) {
      RKT_TRY(add_sysctls(ra.app->isolators, "app " + quote(ra.name)));
    }
  }

  std::map<std::string, const spec::Volume*> volumes;
  for (const auto& v : pod->volumes) volumes[v.name] = &v;

  for (const auto& ra : pod->apps) {
    AppPlan app;
    app.name = ra.name;
    std::string info = pod_dir + "/appsinfo/" + ra.name;
    app.root = pod_dir + "/apps/" + ra.name + "/rootfs";
    auto lower = read_text(info + "/lower");
    RKT_TRY_WRAP(lower, "app " + quote(ra.name));
    if (!lower->empty()) {
      std::string ov = pod_dir + "/overlay/" + ra.name;
      app.overlay_opts = "lowerdir=" + *lower + ",upperdir=" + ov + "/upper,workdir=" + ov + "/work";
    }
    if (!ra.app) return Error(Errc::InvalidManifest, "app " + quote(ra.name) + " has no app section in the pod manifest");
    const spec::App& a = *ra.app;
    app.read_only_rootfs = ra.read_only_root_fs;
    // Users are looked up in the files the app will see: the lower tree or the copied root.
    std::string lookup_root = lower->empty() ? app.root : *lower;
    UniqueFd root_fd(::open(lookup_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd.valid()) return sys_error("app " + quote(ra.name) + ": opening its root " + quote(lookup_root));
    auto ids = resolve_ids(root_fd.get(), ra.name, a.user, a.group, a.supplementary_gids);
    RKT_TRY(ids);
    app.ids = *ids;
    auto caps = app_capabilities(a.isolators, app.ids.uid != 0, insecure_caps);
    RKT_TRY_WRAP(caps, "app " + quote(ra.name));
    app.caps = *caps;
    for (const auto& iso : a.isolators) {
      if (iso.name == spec::kIsolatorNoNewPrivileges) {
        if (const bool* b = std::get_if<bool>(&iso.value)) app.no_new_privs = *b;
      }
      if (iso.name == spec::kIsolatorOomScoreAdj) {
        if (const int64_t* v = std::get_if<int64_t>(&iso.value)) {
          app.set_oom_score_adj = true;
          app.oom_score_adj = static_cast<int>(*v);
        }
      }
    }
    app.limits = limits_from_isolators(a.isolators);
    auto filter = compile_seccomp(a.isolators, insecure_seccomp);
    RKT_TRY_WRAP(filter, "app " + quote(ra.name));
    app.seccomp = std::move(*filter);
    if (a.exec.empty()) return Error(Errc::InvalidManifest, "app " + quote(ra.name) + " has nothing to execute");
    app.exec.args = a.exec;
    app.cwd = a.working_directory.empty() ? "/" : a.working_directory;
    for (const auto& h : a.event_handlers) {
      Command c;
      c.args = h.exec;
      if (c.args.empty()) continue;
      (h.name == "pre-start" ? app.pre_start : app.post_stop).push_back(std::move(c));
    }
    // appc.io/executor/supports-systemd-notify: the app tells when it is ready.
    if (const char* ns = std::getenv("NOTIFY_SOCKET"); ns && *ns) {
      auto im_text = read_text(info + "/manifest");
      RKT_TRY(im_text);
      auto im = spec::parse_image_manifest(*im_text, info + "/manifest");
      RKT_TRY(im);
      const std::string* v = spec::find_annotation(im->annotations, "appc.io/executor/supports-systemd-notify");
      if (v && *v == "true") {
        plan.notify_socket = ns;
        app.mounts.push_back({pod_dir + "/notify", "/run/systemd/notify", false, false});
        app.env.push_back("NOTIFY_SOCKET=/run/systemd/notify");
      }
    }
    bool have_path = false, have_home = false;
    for (const auto& e : a.environment) {
      if (e.name == "AC_APP_NAME") continue;
      have_path |= e.name == "PATH";
      have_home |= e.name == "HOME";
      app.env.push_back(e.name + "=" + e.value);
    }
    if (!have_path) app.env.push_back(std::string("PATH=") + kDefaultPath);
    if (!have_home) app.env.push_back("HOME=" + app.ids.home);
    app.env.push_back("AC_APP_NAME=" + ra.name);
    if (plan.interactive) app.env.push_back("TERM=" + std::string(getenv("TERM") ? getenv("TERM") : "xterm"));
    for (const auto& m : ra.mounts) {
      const spec::Volume* v = nullptr;
      if (m.app_volume) {
        v = &*m.app_volume;
      } else if (auto it = volumes.find(m.volume); it != volumes.end()) {
        v = it->second;
      }
      if (!v) return Error(Errc::InvalidManifest, "app " + quote(ra.name) + ": no volume " + quote(m.volume));
      VolumeMount vm;
      vm.source = v->kind == "host" ? v->source : pod_dir + "/volumes/" + v->name;
      vm.target = m.path;
      vm.read_only = v->read_only.value_or(false);
      for (const auto& mp : a.mount_points) {
        if (mp.name == m.volume && mp.read_only) vm.read_only = true;
      }
      vm.recursive = v->recursive.value_or(true);
      app.mounts.push_back(std::move(vm));
    }
    app.etc_hosts = hosts;
    app.etc_resolv_conf = resolv;
    app.etc_hostname = plan.hostname + "\n";
    app.status_path = pod_dir + "/status/" + ra.name;
    app.error_path = pod_dir + "/status/" + ra.name + ".error";
    plan.apps.push_back(std::move(app));
  }
  if (plan.interactive && plan.apps.size() != 1) {
    return Error(Errc::Usage, "--interactive needs exactly one app, not " + std::to_string(plan.apps.size()));
  }
  // Pointers into the strings last, once nothing moves any more.
  for (auto& app : plan.apps) {
    app.exec.finish();
    for (auto& c : app.pre_start) c.finish();
    for (auto& c : app.post_stop) c.finish();
    app.envp.clear();
    for (auto& e : app.env) app.envp.push_back(e.data());
    app.envp.push_back(nullptr);
  }
  return plan;
}

}  // namespace rkt::stage1
