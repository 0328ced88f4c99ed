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
  fs.add_string("signature", &signature, "the signature file of the image (default: IMAGE.asc)");
  fs.add_bool("full", &full, "print the full image ID");
  fs.add_string("pull-policy", &policy, "never, new or update");
  fs.add_bool("store-only", &store_only, "deprecated: --pull-policy=never");
  fs.add_bool("no-store", &no_store, "deprecated: --pull-policy=update");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  if (pos->empty()) return Error(Errc::Usage, "rkt fetch needs at least one image");
  if (!signature.empty() && pos->size() != 1) return Error(Errc::Usage, "--signature goes with a single image");
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
  opts->signature = signature;
  Keystore ks = open_keystore(g);
  Fetcher fetcher(*store, ks, std::move(*opts));
  for (const auto& img : *pos) {
    auto key = fetcher.fetch(img);
    RKT_TRY_WRAP(key, "fetching image " + quote(img));
    std::cout << (full ? *key : short_key(*key)) << "\n";
  }
  return 0;
}

}  // namespace rkt::stage0
