// rkt fetch: gets images into the store, verified, and prints their IDs.

#include <iostream>

#include "common/fs.h"

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {

Result<int> cmd_fetch(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt fetch");
  std::string signature, policy = "update";
  bool full = false, store_only = false, no_store = false;
  auto add_flags = [&](FlagSet& f, std::string* sig) {
    f.add_string("signature", sig, "the signature file of the image just before (default: IMAGE.asc)");
    f.add_bool("full", &full, "print the full image ID");
    f.add_string("pull-policy", &policy, "never, new or update");
    f.add_bool("store-only", &store_only, "deprecated: --pull-policy=never");
    f.add_bool("no-store", &no_store, "deprecated: --pull-policy=update");
    add_global_flags(f, g);
  };
  // As rkt: flags may follow each image, and --signature there is that image's.
  add_flags(fs, &signature);
  struct Image {
    std::string ref, signature;
  };
  std::vector<Image> images;
  size_t i = 0;
  auto stop = fs.parse_leading(args, i);
  RKT_TRY(stop);
  i = *stop;
  while (i < args.size()) {
    if (args[i] == "--" || args[i] == "---") {
      ++i;
      continue;
    }
    images.push_back({args[i++], ""});
    FlagSet after("rkt fetch");
    add_flags(after, &images.back().signature);
    auto next = after.parse_leading(args, i);
    RKT_TRY(next);
    i = *next;
  }
  RKT_TRY(finish_global_flags(g));
  if (images.empty()) return Error(Errc::Usage, "rkt fetch needs at least one image");
  // An extension of rkt's syntax: --signature before the images is the first image's.
  if (!signature.empty()) {
    if (!images[0].signature.empty()) return Error(Errc::Usage, "--signature given twice for " + quote(images[0].ref));
    images[0].signature = signature;
  }
  if (store_only && no_store) return Error(Errc::Usage, "--store-only and --no-store cannot be combined");
  if (store_only) policy = "never";
  if (no_store) policy = "update";
  auto pp = parse_pull_policy(policy);
  RKT_TRY(pp);
  auto store = open_store(g);
  RKT_TRY(store);
  auto opts = fetch_options(g);
  RKT_TRY(opts);
  opts->policy = *pp;
  Keystore ks = open_keystore(g);
  for (const auto& img : images) {
    FetchOptions fo = *opts;
    fo.signature = img.signature;
    Fetcher fetcher(*store, ks, std::move(fo));
    auto key = fetcher.fetch(img.ref);
    RKT_TRY_WRAP(key, "fetching image " + quote(img.ref));
    // rkt prints the key's first 32 hex digits, or the whole key with --full.
    std::cout << (full ? *key : key->substr(0, 7 + 32)) << "\n";
  }
  return 0;
}

}  // namespace rkt::stage0
