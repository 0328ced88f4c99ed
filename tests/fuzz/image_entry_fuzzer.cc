// libFuzzer target: the image archive rules (actool/image_rules) on hostile entry names. Whatever
// a name is, an accepted entry stays inside the image: no absolute path, no "." or ".."
// component, nothing but manifest, rootfs and what is below rootfs; a hard link accepted points
// below rootfs.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "actool/image_rules.h"

namespace {

void check_path(const std::vector<std::string>& parts) {
  for (const auto& p : parts) {
    if (p.empty() || p == "." || p == ".." || p.find('/') != std::string::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  // The input is an entry name and, after a NUL, a hard link target.
  std::string name = input.substr(0, input.find('\0'));
  std::string link = input.find('\0') == std::string::npos ? "" : input.substr(input.find('\0') + 1);
  auto entry = rkt::aci::classify_entry(name.c_str(), "\"fuzz\"");
  if (entry) {
    using Kind = rkt::aci::ImageEntry::Kind;
    if (entry->name.empty() || entry->name[0] == '/') std::abort();
    if (entry->kind == Kind::Manifest && entry->name != "manifest") std::abort();
    if (entry->kind == Kind::Rootfs && entry->name != "rootfs") std::abort();
    if (entry->kind == Kind::InRootfs && (entry->path.empty() || entry->name.rfind("rootfs/", 0) != 0)) std::abort();
    check_path(entry->path);
  } else if (entry.error().message().empty()) {
    std::abort();  // a refusal says why
  }
  auto target = rkt::aci::hard_link_target(link.c_str(), "rootfs/x", "\"fuzz\"");
  if (target) {
    if (target->empty()) std::abort();
    check_path(*target);
  }
  return 0;
}
