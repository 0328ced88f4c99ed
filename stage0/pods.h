#pragma once

// Pods from the command line's side: what `rkt list` and `rkt status` report, and the pod
// commands that act on one pod (stop, enter, export). Each reads the pod directory through the
// pod model (common/pod.h) and reaches stage1 only through its entrypoints (common/stage1_abi.h).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/pod.h"
#include "common/stage1_abi.h"
#include "spec/types.h"
#include "stage0/store.h"

namespace rkt::stage0 {

/// What rkt reports of a pod.
/// A network a pod is attached to, as stage1 recorded it (<pod>/net-info.json, rkt's NetInfo).
using PodNet = stage1_abi::NetInfo;

/// An app as `rkt list` shows it (and, with PodDetail::Listing, its mounts, annotations and
/// labels): what the pod's summary records of it.
using AppBrief = stage1_abi::PodSummary::App;

/// The image name `rkt list` shows for an app: its name, and ":VERSION" when it has a version label.
std::string shown_image_name(const spec::RuntimeApp& app);

/// What `rkt list` shows of a pod manifest, into a summary: every app with its mounts (their
/// volumes resolved), annotations and labels, and the pod's annotations and labels.
void brief_manifest(const spec::PodManifest& manifest, stage1_abi::PodSummary* into);

struct PodInfo {
  PodRef ref;
  PodState state = PodState::Garbage;
  std::optional<spec::PodManifest> manifest;  ///< absent while an embryo has none yet (and with
                                              ///< PodDetail::Apps, when the summary had the apps)
  std::vector<AppBrief> apps;                 ///< the manifest's apps, always filled
  std::map<std::string, std::string> user_annotations, user_labels;  ///< the manifest's (not with PodDetail::Apps)
  int64_t created_ns = 0, started_ns = 0;                            ///< 0: not (yet) known
  std::string pid;                                                   ///< of the pod's PID 1, once started
  std::map<std::string, std::string> app_exit_codes;                 ///< app -> exit status, once exited
  int64_t gc_marked_ns = 0;                                          ///< when gc marked it as garbage; 0: not marked
  std::vector<PodNet> networks;                                      ///< of a running or exited pod; none: host or none

  /// The networks as rkt prints them: "default:ip4=172.16.28.2, other:ip4=10.1.0.2".
  std::string networks_text() const;

  /// Exited, or in a phase that means it never will run again.
  bool exited() const;
  /// Running with its PID 1 started.
  bool ready() const;
};

/// How much of a pod to read: everything; its apps as shown (for `rkt list`'s table); or those
/// with their mounts, annotations and labels (for `rkt list --format=json`). The pod's summary
/// holds the last two without the manifest being parsed.
enum class PodDetail { Full, Apps, Listing };

Result<PodInfo> pod_info(const PodRef& ref, PodDetail detail = PodDetail::Full);

/// Every pod, oldest first; a pod removed while being read is left out.
Result<std::vector<PodInfo>> list_pod_info(const std::string& data_dir, PodDetail detail = PodDetail::Full);

/// rkt's JSON (rkt 1.30's api/v1 Pod, as lib/pod.go and lib/app.go fill it): `rkt list
/// --format=json` is an array of them, `rkt status --format=json` one. Pod times are in seconds,
/// app times in nanoseconds; empty members are left out.
std::string pods_json(const std::vector<PodInfo>& pods, bool pretty);
std::string pod_status_json(const PodInfo& pod, bool pretty);

/// The pod manifest as stored.
Result<std::string> pod_manifest_text(const PodRef& ref);

/// Asks a running pod to stop through its stage1's stop entrypoint (SIGKILL with `force`).
enum class StopResult { Stopped, AlreadyStopped, NotRunning };
Result<StopResult> stop_pod(const PodRef& ref, bool force);

/// Runs `cmd` in an app of a running pod through its stage1's enter entrypoint, waiting for the
/// pod to have started. Replaces this process; returns only on failure.
Error enter_pod(const PodRef& ref, const std::string& app, const std::vector<std::string>& cmd);

/// Writes an exited app's root, with its changes, as an image (the app's image manifest).
/// `app` may be empty when the pod has one app.
Status export_app(const Store& store, const PodRef& ref, const std::string& app, const std::string& out,
                  bool overwrite);

}  // namespace rkt::stage0
