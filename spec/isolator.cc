// Isolators: typed parsing of every isolator appc 0.8.11 names, and the rules for sets of them.

#include "spec/isolator.h"

#include <set>

#include "spec/names.h"

namespace rkt::spec::detail {
namespace {

std::optional<Quantity> quantity(Reader& r, const Json& obj, const std::string& ptr, const char* key) {
  const Json* m = r.member(obj, ptr, key, Need::Optional);
  if (!m) return std::nullopt;
  std::string text;
  if (m->is_string()) {
    text = m->get<std::string>();
  } else if (m->is_number()) {
    text = m->dump();
  } else {
    r.fail(child(ptr, key), "must be a quantity string, not " + type_name(*m));
    return std::nullopt;
  }
  std::string err;
  auto q = parse_quantity(text, &err);
  if (!q) {
    r.fail(child(ptr, key), err);
    return std::nullopt;
  }
  if (q->value < 0) {
    r.fail(child(ptr, key), "quantity \"" + text + "\" must not be negative");
    return std::nullopt;
  }
  return q;
}

IsolatorValue resource(Reader& r, const std::string& name, const Json& v, const std::string& ptr) {
  if (!r.expect_object(v, ptr)) return {};
  ResourceValue out;
  out.is_default = r.boolean(v, ptr, "default").value_or(false);
  out.request = quantity(r, v, ptr, "request");
  out.limit = quantity(r, v, ptr, "limit");
  bool compute = name == kIsolatorCpu || name == kIsolatorMemory;
  if (compute && out.is_default) r.fail(child(ptr, "default"), "must be false for " + name);
  if (!compute) {
    if (!out.is_default) r.fail(child(ptr, "default"), "must be true for " + name);
    if (v.contains("request") && !v["request"].is_null()) {
      r.fail(child(ptr, "request"), "is not supported by " + name + " and must be absent");
    }
  }
  return out;
}

IsolatorValue capability_set(Reader& r, const Json& v, const std::string& ptr) {
  if (!r.expect_object(v, ptr)) return {};
  CapabilitySet out;
  out.set = r.string_list(v, ptr, "set");
  if (out.set.empty()) r.fail(child(ptr, "set"), "must be a non-empty list of capabilities");
  return out;
}

IsolatorValue seccomp_set(Reader& r, const Json& v, const std::string& ptr) {
  if (!r.expect_object(v, ptr)) return {};
  SeccompSet out;
  out.set = r.string_list(v, ptr, "set");
  if (out.set.empty()) r.fail(child(ptr, "set"), "must be a non-empty list of syscalls");
  out.errno_name = r.string(v, ptr, "errno", Need::Optional).value_or("");
  const std::string& e = out.errno_name;
  if (!e.empty()) {
    bool okay = e[0] == 'E';
    for (char c : e) okay = okay && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    if (!okay) r.fail(child(ptr, "errno"), "errno \"" + e + "\" must be 'E' followed by upper case letters or digits");
  }
  return out;
}

IsolatorValue bounded_int(Reader& r, const std::string& name, const Json& v, const std::string& ptr, int64_t lo,
                          int64_t hi) {
  auto n = r.as_integer(v, ptr);
  if (!n) return {};
  if (*n < lo || *n > hi) {
    r.fail(ptr, name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                    std::to_string(*n));
  }
  return *n;
}

IsolatorValue selinux(Reader& r, const Json& v, const std::string& ptr) {
  if (!r.expect_object(v, ptr)) return {};
  SELinuxContext out;
  out.user = r.string(v, ptr, "user", Need::Required).value_or("");
  out.role = r.string(v, ptr, "role", Need::Required).value_or("");
  out.type = r.string(v, ptr, "type", Need::Required).value_or("");
  out.level = r.string(v, ptr, "level", Need::Required).value_or("");
  for (auto [key, val] : {std::pair{"user", &out.user}, {"role", &out.role}, {"type", &out.type}}) {
    if (val->find(':') != std::string::npos) r.fail(child(ptr, key), "must not contain ':'");
  }
  return out;
}

bool single_instance(const std::string& name) {
  return name == kIsolatorSeccompRetain || name == kIsolatorSeccompRemove || name == kIsolatorOomScoreAdj ||
         name == kIsolatorCpuShares || name == kIsolatorSELinuxContext || name == kIsolatorSysctl;
}

}  // namespace

bool is_known_isolator(const std::string& name) {
  static const std::set<std::string> kKnown = {kIsolatorCpu,
                                               kIsolatorMemory,
                                               kIsolatorBlockBandwidth,
                                               kIsolatorBlockIops,
                                               kIsolatorNetworkBandwidth,
                                               kIsolatorCapsRetain,
                                               kIsolatorCapsRemove,
                                               kIsolatorNoNewPrivileges,
                                               kIsolatorSeccompRetain,
                                               kIsolatorSeccompRemove,
                                               kIsolatorOomScoreAdj,
                                               kIsolatorCpuShares,
                                               kIsolatorSELinuxContext,
                                               kIsolatorSysctl};
  return kKnown.count(name) != 0;
}

std::optional<Isolator> parse_isolator(Reader& r, const Json& j, const std::string& ptr) {
  if (!r.expect_object(j, ptr)) return std::nullopt;
  size_t before = r.problem_count();
  auto name = r.checked(j, ptr, "name", Need::Required, check_ac_identifier);
  const Json* v = r.member(j, ptr, "value", Need::Required);
  if (!name || !v) return std::nullopt;
  Isolator iso;
  iso.name = *name;
  iso.value_json = v->dump();
  std::string vp = child(ptr, "value");
  const std::string& n = iso.name;
  if (n == kIsolatorCpu || n == kIsolatorMemory || n == kIsolatorBlockBandwidth || n == kIsolatorBlockIops ||
      n == kIsolatorNetworkBandwidth) {
    iso.value = resource(r, n, *v, vp);
  } else if (n == kIsolatorCapsRetain || n == kIsolatorCapsRemove) {
    iso.value = capability_set(r, *v, vp);
  } else if (n == kIsolatorSeccompRetain || n == kIsolatorSeccompRemove) {
    iso.value = seccomp_set(r, *v, vp);
  } else if (n == kIsolatorNoNewPrivileges) {
    if (v->is_boolean()) {
      iso.value = v->get<bool>();
    } else {
      r.fail(vp, "must be a boolean, not " + type_name(*v));
    }
  } else if (n == kIsolatorOomScoreAdj) {
    iso.value = bounded_int(r, n, *v, vp, -1000, 1000);
  } else if (n == kIsolatorCpuShares) {
    iso.value = bounded_int(r, n, *v, vp, 2, 262144);
  } else if (n == kIsolatorSELinuxContext) {
    iso.value = selinux(r, *v, vp);
  } else if (n == kIsolatorSysctl) {
    if (r.expect_object(*v, vp)) {
      Sysctl s;
      for (auto it = v->begin(); it != v->end(); ++it) {
        if (auto val = r.as_string(it.value(), child(vp, it.key()))) s[it.key()] = *val;
      }
      iso.value = std::move(s);
    }
  }
  if (r.problem_count() != before) return std::nullopt;
  return iso;
}

Isolators parse_isolators(Reader& r, const Json& obj, const std::string& ptr, const char* key, IsolatorScope scope) {
  Isolators out;
  const Json* list = r.member(obj, ptr, key, Need::Optional);
  std::string lp = child(ptr, key);
  if (!list || !r.expect_array(*list, lp)) return out;
  std::set<std::string> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string ip = child(lp, i);
    auto iso = parse_isolator(r, (*list)[i], ip);
    if (!iso) continue;
    if (scope == IsolatorScope::App) {
      if (seen.count(iso->name) && single_instance(iso->name)) {
        r.fail(child(ip, "name"), "only one " + iso->name + " isolator is allowed");
      }
      // ace.md: "The retain set cannot be used in conjunction with the remove set" (capabilities),
      // and only one of the seccomp sets may be given.
      const char* conflict = iso->name == kIsolatorSeccompRetain   ? kIsolatorSeccompRemove
                             : iso->name == kIsolatorSeccompRemove ? kIsolatorSeccompRetain
                             : iso->name == kIsolatorCapsRetain    ? kIsolatorCapsRemove
                             : iso->name == kIsolatorCapsRemove    ? kIsolatorCapsRetain
                                                                   : nullptr;
      if (conflict && seen.count(conflict)) {
        r.fail(child(ip, "name"), iso->name + " conflicts with " + conflict);
      }
      seen.insert(iso->name);
    }
    out.push_back(std::move(*iso));
  }
  return out;
}

}  // namespace rkt::spec::detail
