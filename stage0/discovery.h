#pragma once

// appc image discovery (spec/discovery.md): an image name is turned into the URLs of the image,
// its signature and the keys that sign it, through <meta> tags served at
// https://<name or a parent of it>?ac-discovery=1.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "spec/types.h"

namespace rkt::stage0 {

struct DiscoveredImage {
  std::string image_url;
  std::string signature_url;
};

/// Fetches a discovery page; returns its body or an error (the caller walks up on error).
using PageFetcher = std::function<Result<std::string>(const std::string& url)>;

/// Finds where image `name` with `labels` lives. Labels fill the template's {version}, {os},
/// {arch} and any other {label}; {name} is the image name and {ext} is "aci" (or "aci.asc").
/// Templates that need a label the request lacks are skipped. Each endpoint tried first at the
/// full name, then at each parent path, then the bare host.
Result<DiscoveredImage> discover_image(const std::string& name, const spec::Labels& labels, const PageFetcher& fetch,
                                       bool insecure_http);

/// Finds the public key URLs advertised for `prefix` (ac-discovery-pubkeys).
Result<std::vector<std::string>> discover_pubkeys(const std::string& prefix, const PageFetcher& fetch,
                                                  bool insecure_http);

struct MetaTag {
  std::string name;
  std::string prefix;
  std::string value;
};

/// Extracts <meta name="ac-discovery[-pubkeys]" content="PREFIX VALUE"> tags from a page.
std::vector<MetaTag> parse_meta_tags(const std::string& html);

/// Expands a template; false when it names a variable the labels do not give.
bool expand_template(const std::string& tmpl, const std::string& name, const spec::Labels& labels,
                     const std::string& ext, std::string* out);

}  // namespace rkt::stage0
