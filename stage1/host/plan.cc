#include "stage1/host/plan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

Status apply_runtime_config(const stage1_abi::RuntimeConfig& rc, const std::string& uuid, PodPlan& plan) {
  plan.hostname = rc.hostname.empty() ? "rkt-" + uuid : rc.hostname;
  auto nets = stage1_abi::parse_net_list(rc.net);
  RKT_TRY_WRAP(nets, "the runtime configuration's network list");
  auto mode = stage1_abi::net_mode(*nets);
  plan.host_network = mode == stage1_abi::NetMode::Host;
  if (mode == stage1_abi::NetMode::Contained) plan.networks = std::move(*nets);
  plan.local_config = rc.local_config;
  plan.dns_from_network = rc.dns.empty();
  plan.mds_token = rc.mds_token;
  plan.masked_paths = !rc.insecure_paths;
  plan.host_ipc = rc.ipc == "parent";
  plan.interactive = rc.interactive;
  return ok();
}

std::string render_hosts(const stage1_abi::RuntimeConfig& rc, const std::string& hostname,
                         const std::function<Result<std::string>(const std::string&)>& host_file) {
  std::string hosts =
      "127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost ip6-localhost ip6-loopback\n"
      "127.0.1.1\t" +
      hostname + "\n";
  for (const auto& e : rc.hosts_entries) {
    if (e == "host") {
      if (auto h = host_file("/etc/hosts")) hosts = *h;
      continue;
    }
    size_t eq = e.find('=');
    if (eq != std::string::npos) hosts += e.substr(0, eq) + "\t" + e.substr(eq + 1) + "\n";
  }
  return hosts;
}

std::string render_resolv_conf(const stage1_abi::RuntimeConfig& rc, bool host_network,
                               const std::function<Result<std::string>(const std::string&)>& host_file) {
  const auto& dns = rc.dns;
  if (!dns.empty() && dns[0] == "none") return {};
  if ((dns.empty() && host_network) || (!dns.empty() && dns[0] == "host")) {
    auto r = host_file("/etc/resolv.conf");
    return r ? *r : std::string();
  }
  std::string resolv;
  if (dns.empty()) return resolv;
  for (const auto& d : dns) resolv += "nameserver " + d + "\n";
  auto line = [&](const char* key, const std::vector<std::string>& items) {
    if (items.empty()) return;
    resolv += key;
    for (const auto& x : items) resolv += " " + x;
    resolv += "\n";
  };
  line("search", rc.dns_search);
  line("options", rc.dns_opt);
  if (!rc.dns_domain.empty()) resolv += "domain " + rc.dns_domain + "\n";
  return resolv;
}

Status add_sysctls(const spec::Isolators& isolators, const std::string& where, PodPlan& plan) {
  for (const auto& iso : isolators) {
    const auto* sc = std::get_if<spec::Sysctl>(&iso.value);
    if (!sc) continue;
    for (const auto& [key, value] : *sc) {
      bool ipc = (key.rfind("kernel.shm", 0) == 0 || key.rfind("kernel.msg", 0) == 0 || key == "kernel.sem" ||
                  key.rfind("fs.mqueue.", 0) == 0) &&
                 !plan.host_ipc;
      bool net_key = key.rfind("net.", 0) == 0;
      if (!ipc && !(net_key && !plan.host_network)) {
        return Error(Errc::Unsupported,
                     where + ": sysctl " + quote(key) +
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
}

Status apply_confinement(const spec::App& a, bool insecure_capabilities, bool insecure_seccomp, AppPlan& app) {
  auto caps = app_capabilities(a.isolators, app.ids.uid != 0, insecure_capabilities);
  RKT_TRY(caps);
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
  RKT_TRY(filter);
  app.seccomp = std::move(*filter);
  return ok();
}

CStrings app_environment(const spec::App& a, const std::string& name, const std::string& home, bool interactive) {
  CStrings env;
  bool have_path = false, have_home = false;
  for (const auto& e : a.environment) {
    if (e.name == "AC_APP_NAME") continue;
    have_path |= e.name == "PATH";
    have_home |= e.name == "HOME";
    env.push_back(e.name + "=" + e.value);
  }
  if (!have_path) env.push_back(std::string("PATH=") + kDefaultPath);
  if (!have_home) env.push_back("HOME=" + home);
  env.push_back("AC_APP_NAME=" + name);
  if (interactive) env.push_back("TERM=" + std::string(getenv("TERM") ? getenv("TERM") : "xterm"));
  return env;
}

bool converted_from_docker(const spec::ImageManifest& image) {
  return spec::find_annotation(image.annotations, "appc.io/docker/repository") ||
         spec::find_annotation(image.annotations, "appc.io/docker/originalname");
}

namespace {

// Docker's volume semantics: a new implicit volume starts with what the image has at its path
// (resolved inside the image's root; nothing there, or not a directory, leaves it empty).
Status seed_volume(int image_root, const std::string& path, const std::string& volume, const std::string& what) {
  auto src = open_in_root(image_root, path, O_RDONLY | O_DIRECTORY);
  if (!src) return ok();
  UniqueFd dst(::open(volume.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!dst.valid() || ::fstat(src->get(), &st) != 0) return sys_error(what + ": opening it");
  RKT_TRY_WRAP(copy_tree(src->get(), dst.get(), path), what + ": copying the image's content");
  if (::fchown(dst.get(), st.st_uid, st.st_gid) != 0 || ::fchmod(dst.get(), st.st_mode & 07777) != 0)
    return sys_error(what + ": setting its owner and mode");
  return ok();
}

}  // namespace

Result<std::vector<VolumeMount>> app_mounts(const spec::RuntimeApp& ra, const std::vector<spec::Volume>& volumes,
                                            const std::string& pod_dir, int docker_root) {
  std::vector<VolumeMount> out;
  for (const auto& m : ra.mounts) {
    const spec::Volume* v = m.app_volume ? &*m.app_volume : nullptr;
    for (const auto& pv : volumes) {
      if (!v && pv.name == m.volume) v = &pv;
    }
    if (!v) return Error(Errc::InvalidManifest, "app " + quote(ra.name) + ": no volume " + quote(m.volume));
    VolumeMount vm;
    vm.source = v->kind == "host" ? v->source : pod_dir + "/volumes/" + v->name;
    vm.target = m.path;
    vm.read_only = v->read_only.value_or(false);
    if (ra.app) {
      for (const auto& mp : ra.app->mount_points) {
        if (mp.name == m.volume && mp.read_only) vm.read_only = true;
      }
    }
    vm.recursive = v->recursive.value_or(true);
    out.push_back(std::move(vm));
  }
  // As rkt's GenerateMounts: a mount point of the image that no mount covers takes the pod's
  // volume of its name, or else an implicit empty volume of its own, "<app>-<mount point>".
  if (ra.app) {
    for (const auto& mp : ra.app->mount_points) {
      bool covered = false;
      for (const auto& m : out) covered |= m.target == mp.path;
      if (covered) continue;
      const spec::Volume* v = nullptr;
      for (const auto& pv : volumes) {
        if (pv.name == mp.name) v = &pv;
      }
      VolumeMount vm;
      vm.target = mp.path;
      vm.read_only = mp.read_only || (v && v->read_only.value_or(false));
      if (v) {
        vm.source = v->kind == "host" ? v->source : pod_dir + "/volumes/" + v->name;
        vm.recursive = v->recursive.value_or(true);
      } else {
        vm.source = pod_dir + "/volumes/" + ra.name + "-" + mp.name;
        std::string what = "app " + quote(ra.name) + ": the implicit volume of mount point " + quote(mp.name);
        RKT_TRY_WRAP(make_dirs(pod_dir + "/volumes", 0755), what);
        if (::mkdir(vm.source.c_str(), 0755) == 0) {
          if (docker_root >= 0) RKT_TRY(seed_volume(docker_root, mp.path, vm.source, what));
        } else if (errno != EEXIST) {
          return sys_error(what);
        }
      }
      out.push_back(std::move(vm));
    }
  }
  return out;
}

namespace {

// appc.io/executor/supports-systemd-notify: an app whose image says so tells when it is ready,
// through <pod>/notify, which stage1 relays to $NOTIFY_SOCKET of rkt's caller.
void apply_notify(const spec::ImageManifest& image, const std::string& pod_dir, PodPlan& plan, AppPlan& app) {
  const char* ns = std::getenv("NOTIFY_SOCKET");
  if (!ns || !*ns) return;
  const std::string* v = spec::find_annotation(image.annotations, "appc.io/executor/supports-systemd-notify");
  if (v && *v == "true") {
    plan.notify_socket = ns;
    app.mounts.push_back({pod_dir + "/notify", "/run/systemd/notify", false, false});
    app.env.push_back("NOTIFY_SOCKET=/run/systemd/notify");
  }
}

// The app's image manifest, as stage0 copied it into appsinfo/<app>/manifest.
Result<spec::ImageManifest> read_image_manifest(const std::string& info_dir) {
  auto text = read_text(info_dir + "/manifest");
  RKT_TRY(text);
  return spec::parse_image_manifest(*text, info_dir + "/manifest");
}

// One app: its root (overlay or copy), users, confinement, command, environment and mounts.
Result<AppPlan> build_app(const spec::RuntimeApp& ra, const spec::PodManifest& pod, const stage1_abi::RuntimeConfig& rc,
                          const std::string& hosts, const std::string& resolv, PodPlan& plan) {
  const std::string& pod_dir = plan.pod_dir;
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
  RKT_TRY_WRAP(apply_confinement(a, rc.insecure_capabilities, rc.insecure_seccomp, app), "app " + quote(ra.name));
  if (a.exec.empty()) return Error(Errc::InvalidManifest, "app " + quote(ra.name) + " has nothing to execute");
  app.exec = Command(a.exec);
  app.cwd = a.working_directory.empty() ? "/" : a.working_directory;
  for (const auto& h : a.event_handlers) {
    if (h.exec.empty()) continue;
    (h.name == "pre-start" ? app.pre_start : app.post_stop).push_back(Command(h.exec));
  }
  app.env = app_environment(a, ra.name, app.ids.home, plan.interactive);
  auto image = read_image_manifest(info);
  RKT_TRY_WRAP(image, "app " + quote(ra.name));
  apply_notify(*image, pod_dir, plan, app);
  auto mounts = app_mounts(ra, pod.volumes, pod_dir, converted_from_docker(*image) ? root_fd.get() : -1);
  RKT_TRY(mounts);
  app.mounts.insert(app.mounts.end(), mounts->begin(), mounts->end());
  app.etc_hosts = hosts;
  app.etc_resolv_conf = resolv;
  app.etc_hostname = plan.hostname + "\n";
  app.status_path = pod_dir + "/status/" + ra.name;
  app.error_path = pod_dir + "/status/" + ra.name + ".error";
  return app;
}

}  // namespace

Result<PodPlan> build_plan(const std::string& pod_dir, const std::string& uuid) {
  PodPlan plan;
  plan.uuid = uuid;
  plan.pod_dir = pod_dir;
  std::string manifest_path = pod_dir + "/" + stage1_abi::kPodManifest;
  auto manifest_text = read_text(manifest_path);
  RKT_TRY(manifest_text);
  auto pod = spec::parse_pod_manifest(*manifest_text, manifest_path);
  RKT_TRY(pod);
  auto rc = stage1_abi::read_runtime_config(pod_dir);
  RKT_TRY(rc);
  RKT_TRY(apply_runtime_config(*rc, uuid, plan));
  if (!plan.networks.empty()) {
    auto ports = spec::forwarded_ports(*pod);
    RKT_TRY_WRAP(ports, manifest_path);
    plan.ports = std::move(*ports);
  }
  std::string hosts = render_hosts(*rc, plan.hostname, read_text);
  std::string resolv = render_resolv_conf(*rc, plan.host_network, read_text);
  RKT_TRY(add_sysctls(pod->isolators, "pod", plan));
  for (const auto& ra : pod->apps) {
    if (ra.app) RKT_TRY(add_sysctls(ra.app->isolators, "app " + quote(ra.name), plan));
  }
  for (const auto& ra : pod->apps) {
    auto app = build_app(ra, *pod, *rc, hosts, resolv, plan);
    RKT_TRY(app);
    plan.apps.push_back(std::move(*app));
  }
  if (plan.interactive && plan.apps.size() != 1) {
    return Error(Errc::Usage, "--interactive needs exactly one app, not " + std::to_string(plan.apps.size()));
  }
  return plan;
}

}  // namespace rkt::stage1
