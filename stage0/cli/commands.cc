// The table of rkt's commands: name, summary, usage and the function that runs it.

#include "stage0/cli/commands.h"

namespace rkt::stage0 {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"cat-manifest", "Print the manifest of a pod", "rkt cat-manifest [--pretty-print] UUID|--uuid-file=FILE",
       cmd_cat_manifest},
      {"completion", "Output shell completion code for the specified shell",
       "rkt completion bash|zsh\n\nsource <(rkt completion bash) completes commands, flags, pod UUIDs and image IDs.",
       cmd_completion},
      {"config", "Print configuration for each stage in JSON format",
       "rkt config [--pretty-print=false]\n\nThe auth.d, paths.d and stage1.d files of the system, local and user "
       "configuration\ndirectories, merged as rkt merges them, in rkt's configuration format.",
       cmd_config},
      {"enter", "Run a command in a running app, confined exactly as the app",
       "rkt enter [--app=NAME] UUID [CMD [ARGS...]]\n\nThe command (default /bin/bash) joins the app's cgroup and\n"
       "namespaces and gets its user, capabilities, no_new_privs and seccomp filter.",
       cmd_enter},
      {"export", "Export an exited app's root, with its changes, as an image",
       "rkt export [--app=NAME] [--overwrite] UUID OUT.aci", cmd_export},
      {"fetch", "Fetch images into the store, verified",
       "rkt fetch [--signature=FILE.asc] [--full] [--pull-policy=never|new|update] IMAGE...\n\n"
       "IMAGE is a file (./app.aci, file:///app.aci), an http(s) URL, or an image name\n"
       "(example.com/app:1.0,os=linux) found by appc discovery. The image's detached signature\n"
       "(IMAGE.asc) must be made by a key trusted for its name (see rkt trust).",
       cmd_fetch},
      {"gc", "Remove exited pods, failed prepares and expired prepared pods",
       "rkt gc [--grace-period=30m] [--expire-prepared=24h] [--mark-only]", cmd_gc},
      {"help", "Help about any command", "rkt help [COMMAND]", nullptr},
      {"image", "Operate on the images in the store",
       "rkt image list [--fields=...] [--sort=FIELD] [--order=asc|desc] [--full] [--no-legend] "
       "[--format=json|json-pretty]\n"
       "  rkt image rm IMAGE...\n"
       "  rkt image cat-manifest [--pretty-print] IMAGE\n"
       "  rkt image export [--overwrite] IMAGE OUT.aci\n"
       "  rkt image extract|render [--rootfs-only] [--overwrite] IMAGE DIR\n"
       "  rkt image verify IMAGE...\n"
       "  rkt image gc [--grace-period=24h]\n\n"
       "IMAGE is an image ID (or an unambiguous prefix of one) or name[:version].",
       cmd_image},
      {"metadata-service", "Run the metadata service that registered pods' apps read (AC_METADATA_URL)",
       "rkt metadata-service [--listen-port=18112]\n\nRegistration on /run/rkt/metadata-svc.sock (or the socket "
       "systemd passes), the public API on TCP port 18112.",
       cmd_metadata_service},
      {"list", "List pods", "rkt list [--full] [--no-legend] [--format=json|json-pretty]", cmd_list},
      {"prepare", "Prepare a pod to run later with run-prepared",
       "rkt prepare [pod flags] IMAGE [app flags] [-- ARGS... ---] [IMAGE ...]\n\nPrints the pod's UUID.", cmd_prepare},
      {"run", "Run images in a pod",
       "rkt run [pod flags] IMAGE [app flags] [-- ARGS... [---]] [IMAGE ...]\n\n"
       "Pod flags: --net[=NAME[:ARGS],...|host|none|all] --port --mds-register --hostname --dns --dns-search --dns-opt "
       "--dns-domain --hosts-entry\n"
       "  --volume --set-env --set-env-file --inherit-env --uuid-file-save --interactive --no-overlay\n"
       "  --stage1-url|--stage1-path|--stage1-name|--stage1-hash|--stage1-from-dir --pull-policy --pod-manifest\n"
       "App flags (after an image, or before all images for every app): --exec --name --working-dir\n"
       "  --user --group --supplementary-gids --environment --mount --readonly-rootfs --memory --cpu\n"
       "  --cpu-shares --caps-retain --caps-remove --seccomp --oom-score-adj --annotation --user-label\n"
       "  --user-annotation --signature\n\n"
       "The exit status is the app's (the first failing app's, in a pod of several); 254 when rkt fails.",
       cmd_run},
      {"rm", "Remove exited or prepared pods at once", "rkt rm UUID...|--uuid-file=FILE", cmd_rm},
      {"run-prepared", "Run a prepared pod",
       "rkt run-prepared [--net] [--dns...] [--hostname] [--hosts-entry] [--interactive] UUID", cmd_run_prepared},
      {"status", "Show the status of a pod",
       "rkt status [--wait[=DURATION]] [--wait-ready[=DURATION]] [--format=json|json-pretty] UUID|--uuid-file=FILE",
       cmd_status},
      {"stop", "Stop running pods", "rkt stop [--force] UUID...|--uuid-file=FILE", cmd_stop},
      {"trust", "Trust a key for image signature verification",
       "rkt trust [--prefix=PREFIX | --root] [--skip-fingerprint-review] [--insecure-allow-http] [KEY...]\n\n"
       "KEY is a file or an https URL; with --prefix and no KEY, the keys are found by appc discovery.",
       cmd_trust},
      {"version", "Print the version and exit", "rkt version", cmd_version},
  };
  return kCommands;
}

}  // namespace rkt::stage0
