// actool: builds, validates, inspects and patches App Container Images.
//
//   actool build [--overwrite] [--owner-root] [--no-compression] DIR OUT.aci
//   actool validate [--type=appimage|layout|manifest] FILE...
//   actool cat-manifest [--pretty-print] IMAGE.aci
//   actool patch-manifest [flags] IN.aci [OUT.aci]
//
// Exit status: 0 on success, 1 when an input is invalid or an operation failed, 2 on bad usage.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "actool/aci.h"
#include "actool/patch.h"
#include "common/flags.h"
#include "common/fs.h"
#include "spec/manifest.h"
#include "spec/names.h"

namespace rkt::aci {
namespace {

constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

bool g_debug = false;

int report(const Error& e) {
  std::cerr << "actool: " << (g_debug ? e.chain() : e.message() + "\n");
  std::cerr.flush();
  return e.code() == Errc::Usage ? kExitUsage : kExitInvalid;
}

const char* kUsage =
    "Usage: actool [--debug] COMMAND [flags] ARGS\n\n"
    "Commands:\n"
    "  build           build an image from a layout directory (manifest and rootfs/)\n"
    "  validate        validate images, image layouts and manifests\n"
    "  cat-manifest    print the manifest of an image\n"
    "  patch-manifest  change the manifest of an image\n"
    "  version         print the version\n";

int cmd_build(const std::vector<std::string>& args) {
  FlagSet fs("actool build");
  bool overwrite = false, owner_root = false, no_compression = false;
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  fs.add_bool("owner-root", &owner_root, "store every file as owned by root:root");
  fs.add_bool("no-compression", &no_compression, "write a plain tar instead of gzip");
  auto pos = fs.parse(args);
  if (!pos) return report(pos.error());
  if (pos->size() != 2) return report(Error(Errc::Usage, "build needs DIR and OUT (actool build DIR OUT.aci)"));
  WriteOptions o;
  o.compression = no_compression ? Compression::None : Compression::Gzip;
  o.owner_root = owner_root ? OwnerRoot::Yes : OwnerRoot::No;
  o.overwrite = overwrite ? Overwrite::Yes : Overwrite::No;
  if (Status s = build((*pos)[0], (*pos)[1], o); !s) {
    return report(std::move(s).error().wrap("building " + quote((*pos)[1])));
  }
  return 0;
}

Status validate_one(const std::string& path, std::string type) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return sys_error("accessing " + quote(path));
  if (S_ISDIR(st.st_mode)) {
    if (type.empty()) type = "layout";
    if (type != "layout") return Error(Errc::Usage, quote(path) + " is a directory (wrong --type?)");
  } else if (type.empty()) {
    auto head = read_file(path, spec::kMaxManifestBytes);
    std::string h;
    if (head) {
      h = head->substr(0, 512);
    } else {
      // Larger than any manifest: it can only be an image.
      h = "\x1f\x8b";
    }
    type = looks_like_archive(h) ? "appimage" : "manifest";
  }
  if (type == "layout") {
    auto m = validate_layout(path);
    RKT_TRY(m);
  } else if (type == "appimage") {
    auto a = read_archive(path);
    RKT_TRY(a);
  } else if (type == "manifest") {
    auto text = read_file(path, spec::kMaxManifestBytes);
    RKT_TRY(text);
    auto kind = spec::validate_manifest(*text, path);
    RKT_TRY(kind);
  } else {
    return Error(Errc::Usage, "unknown --type " + quote(type) + " (appimage, layout or manifest)");
  }
  if (g_debug) std::cerr << "actool: " << path << ": valid " << type << "\n";
  return ok();
}

int cmd_validate(const std::vector<std::string>& args) {
  FlagSet fs("actool validate");
  std::string type;
  fs.add_string("type", &type, "appimage, layout or manifest (detected when unset)");
  auto pos = fs.parse(args);
  if (!pos) return report(pos.error());
  if (pos->empty()) return report(Error(Errc::Usage, "validate needs one or more files"));
  int rc = 0;
  for (const auto& path : *pos) {
    if (Status s = validate_one(path, type); !s) rc = std::max(rc, report(s.error()));
  }
  return rc;
}

int cmd_cat_manifest(const std::vector<std::string>& args) {
  FlagSet fs("actool cat-manifest");
  bool pretty = false;
  fs.add_bool("pretty-print", &pretty, "indent the JSON");
  auto pos = fs.parse(args);
  if (!pos) return report(pos.error());
  if (pos->size() != 1) return report(Error(Errc::Usage, "cat-manifest needs one image"));
  auto a = read_archive((*pos)[0]);
  if (!a) return report(a.error());
  if (pretty) {
    std::cout << spec::to_json(a->manifest, spec::Pretty::Yes) << "\n";
  } else {
    std::cout << a->manifest_json;
    if (!a->manifest_json.empty() && a->manifest_json.back() != '\n') std::cout << "\n";
  }
  return 0;
}

int cmd_patch_manifest(const std::vector<std::string>& args) {
  FlagSet fs("actool patch-manifest");
  PatchOptions o;
  std::string manifest_file;
  bool overwrite = false, replace = false, no_compression = false;
  fs.add_string("manifest", &manifest_file, "replace the manifest with this file");
  fs.add_string("name", &o.name, "replace the name");
  fs.add_string("exec", &o.exec, "replace the command line (split at spaces)");
  fs.add_string("user", &o.user, "replace the user");
  fs.add_string("group", &o.group, "replace the group");
  fs.add_string("supplementary-groups", &o.supplementary_gids, "replace the supplementary gids (comma-separated)");
  fs.add_string("capability", &o.capability, "set the capability retain set (comma-separated)");
  fs.add_string("revoke-capability", &o.revoke_capability, "set the capability remove set (comma-separated)");
  fs.add_string("mounts", &o.mounts, "add mount points: name=N,path=P[,readOnly=B][:...]");
  fs.add_string("ports", &o.ports, "add ports: name=N,protocol=P,port=N[,count=N][,socketActivated=B][:...]");
  fs.add_string("isolators", &o.isolators, "add isolators: NAME[,key=value...][:...]");
  fs.add_string("seccomp-mode", &o.seccomp_mode, "retain or remove[,errno=E]");
  fs.add_string("seccomp-set", &o.seccomp_set, "syscalls for the seccomp isolator (comma-separated)");
  fs.add_bool("overwrite", &overwrite, "overwrite OUT if it exists");
  fs.add_bool("replace", &replace, "patch IN in place");
  fs.add_bool("no-compression", &no_compression, "write a plain tar instead of gzip");
  auto pos = fs.parse(args);
  if (!pos) return report(pos.error());
  if (replace && overwrite) return report(Error(Errc::Usage, "--replace and --overwrite cannot be combined"));
  if (replace ? pos->size() != 1 : pos->size() != 2) {
    return report(Error(Errc::Usage, replace ? "patch-manifest --replace needs one image"
                                             : "patch-manifest needs IN and OUT (or --replace IN)"));
  }
  const std::string& in = (*pos)[0];
  const std::string& out = replace ? in : (*pos)[1];
  if (!manifest_file.empty()) {
    auto text = read_file(manifest_file, spec::kMaxManifestBytes);
    if (!text) return report(text.error());
    o.manifest_file_json = *text;
  }
  auto image = read_archive(in);
  if (!image) return report(image.error());
  auto json = patch_manifest(std::move(image->manifest), o);
  if (!json) return report(std::move(json).error().wrap("patching the manifest of " + quote(in)));
  WriteOptions w;
  w.compression = no_compression ? Compression::None : Compression::Gzip;
  w.overwrite = replace || overwrite ? Overwrite::Yes : Overwrite::No;
  if (Status s = replace_manifest(in, out, *json, w); !s)
    return report(std::move(s).error().wrap("writing " + quote(out)));
  return 0;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  FlagSet global("actool");
  bool help = false;
  global.add_bool("debug", &g_debug, "print the whole error chain and extra output");
  global.add_bool("help", &help, "print usage");
  auto pos = global.parse(args, FlagSet::Interspersed::No);
  if (!pos) return report(pos.error());
  if (help || pos->empty() || (*pos)[0] == "help") {
    std::cout << kUsage;
    return pos->empty() && !help ? kExitUsage : 0;
  }
  std::string cmd = (*pos)[0];
  std::vector<std::string> rest(pos->begin() + 1, pos->end());
  if (cmd == "build") return cmd_build(rest);
  if (cmd == "validate") return cmd_validate(rest);
  if (cmd == "cat-manifest") return cmd_cat_manifest(rest);
  if (cmd == "patch-manifest") return cmd_patch_manifest(rest);
  if (cmd == "version") {
    std::cout << "actool version " RKT_VERSION "\nappc version " << spec::kAppcVersion << "\n";
    return 0;
  }
  std::cerr << kUsage;
  return report(Error(Errc::Usage, "unknown command " + quote(cmd)));
}

}  // namespace
}  // namespace rkt::aci

int main(int argc, char** argv) { return rkt::guarded_main("actool", rkt::aci::run, argc, argv); }
