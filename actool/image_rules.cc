#include "actool/image_rules.h"

#include <sys/stat.h>

#include "common/fs.h"
#include "spec/manifest.h"

namespace rkt::aci {
namespace {

Error bad(Errc code, const std::string& what, const std::string& msg) {
  return Error(code, "image " + what + ": " + msg);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

}  // namespace

Result<ImageEntry> classify_entry(const char* raw_name, const std::string& what) {
  std::string raw = raw_name ? raw_name : "";
  std::vector<std::string> parts;
  std::string why;
  if (!split_relative_path(raw, &parts, &why)) return bad(Errc::UnsafePath, what, "entry " + quote(raw) + ": " + why);
  if (parts.empty()) return bad(Errc::UnsafePath, what, "entry " + quote(raw) + ": empty path");
  ImageEntry e{ImageEntry::Kind::InRootfs, join(parts), {}};
  if (parts.size() == 1 && parts[0] == "manifest") {
    e.kind = ImageEntry::Kind::Manifest;
  } else if (parts[0] != "rootfs") {
    return bad(Errc::InvalidImage, what,
               "unexpected entry " + quote(raw) + " (only manifest and rootfs/ belong in an image)");
  } else if (parts.size() == 1) {
    e.kind = ImageEntry::Kind::Rootfs;
  } else {
    e.path.assign(parts.begin() + 1, parts.end());
  }
  return e;
}

Result<std::vector<std::string>> hard_link_target(const char* link, const std::string& entry, const std::string& what) {
  std::vector<std::string> parts;
  std::string why;
  std::string target = link ? link : "";
  if (!split_relative_path(target, &parts, &why) || parts.size() < 2 || parts[0] != "rootfs") {
    return bad(Errc::UnsafePath, what, "hard link " + quote(entry) + " points outside rootfs to " + quote(target));
  }
  parts.erase(parts.begin());
  return parts;
}

Status check_manifest_entry(mode_t type, int64_t size, const std::string& what) {
  if ((type & S_IFMT) != S_IFREG) return bad(Errc::InvalidImage, what, "manifest is not a regular file");
  if (size < 0 || size > static_cast<int64_t>(spec::kMaxManifestBytes)) {
    return bad(Errc::InvalidImage, what,
               "manifest is larger than " + std::to_string(spec::kMaxManifestBytes) + " bytes");
  }
  return ok();
}

}  // namespace rkt::aci
