#include "common/flags.h"

#include "common/fs.h"

namespace rkt {

std::optional<bool> parse_bool(const std::string& s) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") return false;
  return std::nullopt;
}

void FlagSet::add_string(const std::string& name, std::string* target, std::string help) {
  flags_[name] = {Flag::Kind::String, std::move(help),
                  [target](const std::string& v) {
                    *target = v;
                    return ok();
                  },
                  std::nullopt};
}

void FlagSet::add_list(const std::string& name, std::vector<std::string>* target, std::string help) {
  flags_[name] = {Flag::Kind::List, std::move(help),
                  [target](const std::string& v) {
                    target->push_back(v);
                    return ok();
                  },
                  std::nullopt};
}

void FlagSet::add_list(const std::string& name, std::vector<std::string>* target, std::string help,
                       std::string no_value) {
  add_list(name, target, std::move(help));
  flags_[name].no_value = std::move(no_value);
}

void FlagSet::add_bool(const std::string& name, bool* target, std::string help) {
  flags_[name] = {Flag::Kind::Bool, std::move(help),
                  [target, name](const std::string& v) -> Status {
                    auto b = parse_bool(v);
                    if (!b) return Error(Errc::Usage, "invalid value " + quote(v) + " for flag --" + name);
                    *target = *b;
                    return ok();
                  },
                  "true"};
}

Result<std::vector<std::string>> FlagSet::parse(const std::vector<std::string>& args, Interspersed interspersed) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-' || a == "-") {
      if (interspersed == Interspersed::No) {
        positional.insert(positional.end(), args.begin() + static_cast<long>(i), args.end());
        break;
      }
      positional.push_back(a);
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      value = body.substr(eq + 1);
      body.resize(eq);
    }
    auto it = flags_.find(body);
    if (it == flags_.end()) return with_command(Error(Errc::Usage, "unknown flag " + quote("--" + body)));
    if (!value) {
      if (it->second.no_value) {
        value = *it->second.no_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return with_command(Error(Errc::Usage, "flag --" + body + " needs a value"));
      }
    }
    seen_[body] = true;
    if (Status s = it->second.set(*value); !s) return with_command(std::move(s).error());
  }
  return positional;
}

Result<size_t> FlagSet::parse_leading(const std::vector<std::string>& args, size_t start) {
  size_t i = start;
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a == "--" || a == "---" || a.size() < 2 || a[0] != '-') break;
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    bool has_value = body.find('=') != std::string::npos;
    std::string name = body.substr(0, body.find('='));
    auto it = flags_.find(name);
    std::vector<std::string> one = {a};
    if (it != flags_.end() && !has_value && !it->second.no_value && i + 1 < args.size()) {
      one.push_back(args[++i]);
    }
    auto r = parse(one);
    RKT_TRY(r);
    ++i;
  }
  return i;
}

Error FlagSet::with_command(Error e) const {
  if (!command_.empty()) e.wrap(command_);
  return e;
}

std::string FlagSet::usage() const {
  std::string out;
  for (const auto& [name, f] : flags_) {
    std::string left = "  --" + name + (f.kind == Flag::Kind::Bool ? "" : f.no_value ? "[=VALUE]" : "=VALUE");
    if (left.size() < 34) left.resize(34, ' ');
    out += left + " " + f.help + "\n";
  }
  return out;
}

}  // namespace rkt
