#include "common/proc_cgroup.h"

#include "common/fs.h"

namespace rkt {

std::vector<ProcCgroup> parse_proc_cgroup(const std::string& text) {
  std::vector<ProcCgroup> out;
  for (const auto& line : split(text, '\n')) {
    size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    ProcCgroup e;
    std::string controllers = line.substr(a + 1, b - a - 1);
    if (!controllers.empty()) e.controllers = split(controllers, ',');
    e.path = line.substr(b + 1);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace rkt
