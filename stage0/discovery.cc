#include "stage0/discovery.h"

#include <cctype>

#include "common/fs.h"

namespace rkt::stage0 {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of attribute `attr` in a tag's text, quoted with ' or ", or "".
std::string attribute(const std::string& tag, const std::string& attr) {
  std::string l = lower(tag);
  size_t pos = 0;
  while ((pos = l.find(attr, pos)) != std::string::npos) {
    bool boundary = pos == 0 || std::isspace(static_cast<unsigned char>(l[pos - 1]));
    size_t p = pos + attr.size();
    while (p < l.size() && std::isspace(static_cast<unsigned char>(l[p]))) ++p;
    if (boundary && p < l.size() && l[p] == '=') {
      ++p;
      while (p < l.size() && std::isspace(static_cast<unsigned char>(l[p]))) ++p;
      if (p < l.size() && (l[p] == '"' || l[p] == '\'')) {
        char q = l[p];
        size_t end = l.find(q, p + 1);
        if (end != std::string::npos) return tag.substr(p + 1, end - p - 1);
      }
    }
    pos += attr.size();
  }
  return {};
}

// The discovery URLs to try for `name`, most specific first.
std::vector<std::string> page_urls(const std::string& name, bool insecure_http) {
  std::vector<std::string> out;
  std::string n = name;
  for (;;) {
    out.push_back("https://" + n + "?ac-discovery=1");
    if (insecure_http) out.push_back("http://" + n + "?ac-discovery=1");
    size_t slash = n.rfind('/');
    if (slash == std::string::npos) break;
    n.resize(slash);
  }
  return out;
}

bool has_prefix(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '/' || (!prefix.empty() && prefix.back() == '/');
}

}  // namespace

std::vector<MetaTag> parse_meta_tags(const std::string& html) {
  std::vector<MetaTag> out;
  std::string l = lower(html);
  size_t pos = 0;
  while ((pos = l.find("<meta", pos)) != std::string::npos) {
    size_t end = l.find('>', pos);
    if (end == std::string::npos) break;
    std::string tag = html.substr(pos, end - pos);
    pos = end;
    std::string name = lower(attribute(tag, "name"));
    if (name != "ac-discovery" && name != "ac-discovery-pubkeys") continue;
    std::string content = attribute(tag, "content");
    size_t sp = content.find_first_of(" \t");
    if (sp == std::string::npos) continue;
    std::string prefix = content.substr(0, sp);
    size_t v = content.find_first_not_of(" \t", sp);
    if (v == std::string::npos) continue;
    std::string value = content.substr(v);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    out.push_back({name, prefix, value});
  }
  return out;
}

bool expand_template(const std::string& tmpl, const std::string& name, const spec::Labels& labels,
                     const std::string& ext, std::string* out) {
  std::string r;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      r += tmpl[i];
      continue;
    }
    size_t close = tmpl.find('}', i);
    if (close == std::string::npos) return false;
    std::string var = tmpl.substr(i + 1, close - i - 1);
    if (var == "name") {
      r += name;
    } else if (var == "ext") {
      r += ext;
    } else if (const std::string* v = spec::find_label(labels, var)) {
      r += *v;
    } else {
      return false;
    }
    i = close;
  }
  *out = r;
  return true;
}

Result<DiscoveredImage> discover_image(const std::string& name, const spec::Labels& labels, const PageFetcher& fetch,
                                       bool insecure_http) {
  std::string tried;
  for (const auto& url : page_urls(name, insecure_http)) {
    auto page = fetch(url);
    if (!page) {
      tried += "\n  " + page.error().message();
      continue;
    }
    for (const auto& m : parse_meta_tags(*page)) {
      if (m.name != "ac-discovery" || !has_prefix(name, m.prefix)) continue;
      DiscoveredImage d;
      if (!expand_template(m.value, name, labels, "aci", &d.image_url)) continue;
      if (!expand_template(m.value, name, labels, "aci.asc", &d.signature_url)) continue;
      return d;
    }
    tried += "\n  " + url + ": no ac-discovery template for " + quote(name) + " that the labels complete";
  }
  return Error(Errc::NotFound, "discovering image " + quote(name) + " failed:" + tried);
}

Result<std::vector<std::string>> discover_pubkeys(const std::string& prefix, const PageFetcher& fetch,
                                                  bool insecure_http) {
  std::string tried;
  for (const auto& url : page_urls(prefix, insecure_http)) {
    auto page = fetch(url);
    if (!page) {
      tried += "\n  " + page.error().message();
      continue;
    }
    std::vector<std::string> keys;
    for (const auto& m : parse_meta_tags(*page)) {
      if (m.name == "ac-discovery-pubkeys" && has_prefix(prefix, m.prefix)) keys.push_back(m.value);
    }
    if (!keys.empty()) return keys;
    tried += "\n  " + url + ": no ac-discovery-pubkeys for " + quote(prefix);
  }
  return Error(Errc::NotFound, "discovering the keys of " + quote(prefix) + " failed:" + tried);
}

}  // namespace rkt::stage0
