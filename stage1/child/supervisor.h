#pragma once

// Post-clone code: the pod's PID 1. It owns the pod's namespaces, starts every app, reaps every
// process, forwards stop requests and records exit statuses. Never returns.

#include "stage1/host/plan.h"

namespace rkt::stage1::child {

/// Exit status: the status of the first app that failed (0 when all succeeded); 254 when an
/// app could not be started, with the reason in its status/<app>.error file.
[[noreturn]] void supervise(const PodPlan& plan) noexcept;

}  // namespace rkt::stage1::child
