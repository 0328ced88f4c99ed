#pragma once

// Post-clone code (runs in the pod's namespaces, forked from the supervisor): builds one app's
// root in its own mount namespace, pivots into it, runs the pre-start handlers, then the app
// through stage2, then the post-stop handlers. Never returns.

#include "stage1/host/plan.h"

namespace rkt::stage1::child {

/// Steps of the app child before stage2, reported like stage2's (numbers above stage2's).
enum class AppStep : uint32_t { Mount = 100, Pivot, Files, PreStart, Fork, Cgroup };

const char* app_step_name(uint32_t step);

/// Becomes the app's keeper: its exit status is the app's (128 + signal when killed), 254 when
/// the app could not be started (the reason is written to `report_fd`). An app without
/// post-stop handlers needs no keeper once it runs: this process then becomes the app.
[[noreturn]] void run_app(const PodPlan& pod, const AppPlan& app, int report_fd) noexcept;

}  // namespace rkt::stage1::child
