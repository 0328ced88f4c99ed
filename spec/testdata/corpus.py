#!/usr/bin/env python3
"""Writes the manifest corpus in manifests/: one file per case, named
<kind>-<valid|invalid>-<what>.json. The name states what the spec says of the case; the
differential test checks both our validator and the reference actool against it, except for
the cases listed in known_differences.json. Run it again after adding a case."""

import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "manifests")

HASH = "sha512-" + "0123456789abcdef" * 4

IMAGE = {
    "acKind": "ImageManifest",
    "acVersion": "0.8.11",
    "name": "example.com/app",
    "labels": [{"name": "version", "value": "1.0.0"}, {"name": "os", "value": "linux"},
               {"name": "arch", "value": "amd64"}],
    "app": {"exec": ["/bin/app", "--serve"], "user": "0", "group": "0"},
}

POD = {
    "acVersion": "0.8.11",
    "acKind": "PodManifest",
    "apps": [{"name": "app", "image": {"name": "example.com/app", "id": HASH},
              "app": {"exec": ["/bin/app"], "user": "0", "group": "0"}}],
    "volumes": [],
    "isolators": [],
    "annotations": [],
    "ports": [],
}

cases = []  # (filename, text)


def put(kind, verdict, what, doc=None, text=None):
    name = f"{kind}-{verdict}-{what}.json"
    if text is None:
        text = json.dumps(doc, indent=2) + "\n"
    cases.append((name, text))


def image(verdict, what, mutate):
    doc = copy.deepcopy(IMAGE)
    mutate(doc)
    put("image", verdict, what, doc)


def pod(verdict, what, mutate):
    doc = copy.deepcopy(POD)
    mutate(doc)
    put("pod", verdict, what, doc)


def setk(*path_and_value):
    *path, value = path_and_value

    def f(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return f


def delk(*path):
    def f(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        del node[path[-1]]
    return f


def iso(name, value, scope="app"):
    def f(doc):
        if scope == "app":
            doc["app"]["isolators"] = [{"name": name, "value": value}]
        else:
            doc["isolators"] = [{"name": name, "value": value}]
    return f


def app_isos(*isos):
    def f(doc):
        doc["app"]["isolators"] = [{"name": n, "value": v} for n, v in isos]
    return f


# ---- image manifests: top level
image("valid", "minimal-with-app", lambda d: None)
put("image", "valid", "minimal-no-app", {"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a"})
image("valid", "no-labels", delk("labels"))
image("valid", "name-with-path", setk("name", "example.com/org/product/release"))
image("valid", "name-with-tilde-and-underscore", setk("name", "example.com/~user/app_v1"))
image("valid", "name-single-char", setk("name", "a"))
image("invalid", "version-prerelease", setk("acVersion", "0.8.11-rc.1"))
image("valid", "version-build-metadata", setk("acVersion", "0.8.11+git.abc"))
image("invalid", "version-newer-major", setk("acVersion", "1.0.0"))
image("valid", "version-older", setk("acVersion", "0.5.0"))
image("valid", "unknown-top-level-field", setk("x-extra", {"anything": True}))
image("valid", "null-labels", setk("labels", None))
image("valid", "null-app", setk("app", None))
put("image", "invalid", "duplicate-key-bad-first",
    text='{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "Bad", "name": "good"}\n')
image("invalid", "missing-name", delk("name"))
image("invalid", "empty-name", setk("name", ""))
image("invalid", "name-uppercase", setk("name", "Example.com/app"))
image("invalid", "name-space", setk("name", "example app"))
image("invalid", "name-leading-slash", setk("name", "/example.com/app"))
image("invalid", "name-trailing-dot", setk("name", "example.com."))
image("invalid", "name-colon", setk("name", "example.com:app"))
image("invalid", "name-number", setk("name", 7))
image("invalid", "name-null", setk("name", None))
image("invalid", "bad-kind", setk("acKind", "Image"))
image("invalid", "missing-version", delk("acVersion"))
image("invalid", "version-not-semver", setk("acVersion", "1.0"))
image("invalid", "version-zero", setk("acVersion", "0.0.0"))
image("invalid", "version-v-prefix", setk("acVersion", "v0.8.11"))
image("invalid", "version-number", setk("acVersion", 1))
image("invalid", "version-leading-zero", setk("acVersion", "0.08.11"))
put("image", "invalid", "not-an-object", text='["acKind", "ImageManifest"]\n')
put("image", "invalid", "syntax-trailing-comma",
    text='{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a",}\n')
put("image", "invalid", "syntax-unquoted-key", text='{acKind: "ImageManifest"}\n')
put("image", "invalid", "syntax-truncated", text='{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a"\n')
put("image", "invalid", "syntax-trailing-garbage",
    text='{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a"} x\n')
put("image", "invalid", "syntax-single-quotes", text="{'acKind': 'ImageManifest'}\n")
put("image", "invalid", "empty-object", text="{}\n")

# ---- labels
image("valid", "labels-empty-list", setk("labels", []))
image("valid", "labels-os-only", setk("labels", [{"name": "os", "value": "freebsd"}]))
image("valid", "labels-arch-without-os", setk("labels", [{"name": "arch", "value": "whatever"}]))
image("valid", "labels-darwin-x86_64", setk("labels", [{"name": "os", "value": "darwin"},
                                                       {"name": "arch", "value": "x86_64"}]))
image("valid", "labels-linux-aarch64", setk("labels", [{"name": "os", "value": "linux"},
                                                       {"name": "arch", "value": "aarch64"}]))
image("valid", "labels-linux-s390x", setk("labels", [{"name": "os", "value": "linux"},
                                                     {"name": "arch", "value": "s390x"}]))
image("valid", "labels-custom", setk("labels", [{"name": "example.com/channel", "value": "beta"}]))
image("valid", "labels-empty-value", setk("labels", [{"name": "version", "value": ""}]))
image("invalid", "labels-bad-os", setk("labels", [{"name": "os", "value": "windows"}]))
image("invalid", "labels-bad-arch", setk("labels", [{"name": "os", "value": "linux"},
                                                    {"name": "arch", "value": "x86_64"}]))
image("invalid", "labels-freebsd-aarch64", setk("labels", [{"name": "os", "value": "freebsd"},
                                                           {"name": "arch", "value": "aarch64"}]))
image("invalid", "labels-name-label", setk("labels", [{"name": "name", "value": "x"}]))
image("invalid", "labels-duplicate", setk("labels", [{"name": "version", "value": "1"},
                                                     {"name": "version", "value": "2"}]))
image("invalid", "labels-bad-name", setk("labels", [{"name": "Version", "value": "1"}]))
image("invalid", "labels-object", setk("labels", {"version": "1"}))
image("invalid", "labels-value-number", setk("labels", [{"name": "version", "value": 1}]))
image("invalid", "labels-missing-name", setk("labels", [{"value": "1"}]))

# ---- app
image("valid", "app-full", lambda d: d["app"].update({
    "supplementaryGIDs": [10, 20],
    "eventHandlers": [{"name": "pre-start", "exec": ["/bin/pre"]}, {"name": "post-stop", "exec": ["/bin/post"]}],
    "workingDirectory": "/srv",
    "environment": [{"name": "A", "value": "1"}, {"name": "B_2", "value": ""}],
    "mountPoints": [{"name": "data", "path": "/data", "readOnly": True}],
    "ports": [{"name": "http", "protocol": "tcp", "port": 80, "count": 2, "socketActivated": False}],
    "userAnnotations": {"k": "v"}, "userLabels": {"l": "w"}}))
image("valid", "app-user-name", setk("app", "user", "nobody"))
image("valid", "app-user-path", setk("app", "user", "/usr/bin/ping"))
image("valid", "app-env-dot-dash", setk("app", "environment", [{"name": "a.b-c", "value": "x"}]))
image("valid", "app-env-null-value", setk("app", "environment", [{"name": "A", "value": None}]))
image("valid", "app-workdir-root", setk("app", "workingDirectory", "/"))
image("valid", "app-workdir-empty", setk("app", "workingDirectory", ""))
image("valid", "app-port-max", setk("app", "ports", [{"name": "p", "protocol": "udp", "port": 65535}]))
image("valid", "app-port-range-to-max", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": 65530,
                                                               "count": 6}]))
image("invalid", "app-port-count-zero", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": 80,
                                                             "count": 0}]))
image("valid", "app-gids-empty", setk("app", "supplementaryGIDs", []))
image("valid", "app-mountpoint-readonly-omitted", setk("app", "mountPoints", [{"name": "m", "path": "/m"}]))
image("invalid", "app-missing-user", delk("app", "user"))
image("invalid", "app-missing-group", delk("app", "group"))
image("invalid", "app-empty-user", setk("app", "user", ""))
image("invalid", "app-user-number", setk("app", "user", 0))
image("invalid", "app-not-object", setk("app", ["/bin/app"]))
image("invalid", "app-exec-string", setk("app", "exec", "/bin/app"))
image("invalid", "app-exec-number-element", setk("app", "exec", ["/bin/app", 1]))
image("invalid", "app-workdir-relative", setk("app", "workingDirectory", "srv"))
image("invalid", "app-env-bad-name", setk("app", "environment", [{"name": "1A", "value": "x"}]))
image("invalid", "app-env-equals", setk("app", "environment", [{"name": "A=B", "value": "x"}]))
image("invalid", "app-env-empty-name", setk("app", "environment", [{"name": "", "value": "x"}]))
image("invalid", "app-env-duplicate", setk("app", "environment", [{"name": "A", "value": "1"},
                                                                  {"name": "A", "value": "2"}]))
image("invalid", "app-env-value-bool", setk("app", "environment", [{"name": "A", "value": True}]))
image("invalid", "app-handler-bad-name", setk("app", "eventHandlers", [{"name": "on-start", "exec": ["/x"]}]))
image("invalid", "app-handler-empty-name", setk("app", "eventHandlers", [{"name": "", "exec": ["/x"]}]))
image("invalid", "app-handler-duplicate", setk("app", "eventHandlers", [{"name": "pre-start", "exec": ["/x"]},
                                                                        {"name": "pre-start", "exec": ["/y"]}]))
image("invalid", "app-gids-string", setk("app", "supplementaryGIDs", ["10"]))
image("invalid", "app-gids-float", setk("app", "supplementaryGIDs", [1.5]))
image("invalid", "app-port-zero", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": 0}]))
image("invalid", "app-port-too-big", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": 65536}]))
image("invalid", "app-port-negative", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": -80}]))
image("invalid", "app-port-range-overflow", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": 65530,
                                                                   "count": 7}]))
image("invalid", "app-port-missing-number", setk("app", "ports", [{"name": "p", "protocol": "tcp"}]))
image("invalid", "app-port-bad-name", setk("app", "ports", [{"name": "HTTP", "protocol": "tcp", "port": 80}]))
image("invalid", "app-port-string-number", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": "80"}]))
image("invalid", "app-port-socket-string", setk("app", "ports", [{"name": "p", "protocol": "tcp", "port": 80,
                                                                  "socketActivated": "yes"}]))
image("invalid", "app-mountpoint-bad-name", setk("app", "mountPoints", [{"name": "Data", "path": "/d"}]))
image("invalid", "app-mountpoint-readonly-string", setk("app", "mountPoints", [{"name": "d", "path": "/d",
                                                                                "readOnly": "true"}]))
image("invalid", "app-user-annotations-number", setk("app", "userAnnotations", {"k": 1}))
image("invalid", "app-user-labels-list", setk("app", "userLabels", ["a"]))

# ---- isolators (app level)
image("valid", "iso-cpu", iso("resource/cpu", {"request": "250m", "limit": "500m"}))
image("valid", "iso-cpu-number", iso("resource/cpu", {"limit": 2}))
image("valid", "iso-memory", iso("resource/memory", {"limit": "1G"}))
image("valid", "iso-memory-binary", iso("resource/memory", {"request": "512Mi", "limit": "1.5Gi"}))
image("invalid", "iso-memory-exponent", iso("resource/memory", {"limit": "1e9"}))
image("valid", "iso-memory-default-false", iso("resource/memory", {"default": False, "limit": "1G"}))
image("valid", "iso-block-bandwidth", iso("resource/block-bandwidth", {"default": True, "limit": "1M"}))
image("valid", "iso-block-iops", iso("resource/block-iops", {"default": True, "limit": "1k"}))
image("valid", "iso-network-bandwidth", iso("resource/network-bandwidth", {"default": True, "limit": "1G"}))
image("valid", "iso-caps-retain", iso("os/linux/capabilities-retain-set", {"set": ["CAP_NET_ADMIN", "CAP_KILL"]}))
image("valid", "iso-caps-remove", iso("os/linux/capabilities-remove-set", {"set": ["CAP_SYS_ADMIN"]}))
image("valid", "iso-nnp-true", iso("os/linux/no-new-privileges", True))
image("valid", "iso-nnp-false", iso("os/linux/no-new-privileges", False))
image("valid", "iso-seccomp-retain", iso("os/linux/seccomp-retain-set", {"set": ["@rkt/default-whitelist"]}))
image("valid", "iso-seccomp-remove-errno", iso("os/linux/seccomp-remove-set", {"set": ["reboot"], "errno": "ENOSYS"}))
image("valid", "iso-oom-min", iso("os/linux/oom-score-adj", -1000))
image("valid", "iso-oom-max", iso("os/linux/oom-score-adj", 1000))
image("valid", "iso-cpu-shares", iso("os/linux/cpu-shares", 512))
image("valid", "iso-cpu-shares-min", iso("os/linux/cpu-shares", 2))
image("valid", "iso-selinux", iso("os/linux/selinux-context", {"user": "system_u", "role": "system_r",
                                                              "type": "svirt_lxc_net_t", "level": "s0:c1,c2"}))
image("valid", "iso-sysctl", iso("os/unix/sysctl", {"net.ipv4.ip_forward": "1"}))
image("valid", "iso-two-memory", app_isos(("resource/memory", {"limit": "1G"}), ("resource/memory", {"limit": "2G"})))
image("valid", "iso-two-caps-retain", app_isos(("os/linux/capabilities-retain-set", {"set": ["CAP_KILL"]}),
                                               ("os/linux/capabilities-retain-set", {"set": ["CAP_CHOWN"]})))
image("valid", "iso-cpu-and-memory", app_isos(("resource/cpu", {"limit": "1"}), ("resource/memory", {"limit": "1G"})))
image("invalid", "iso-cpu-default-true", iso("resource/cpu", {"default": True, "limit": "1"}))
image("invalid", "iso-memory-bad-quantity", iso("resource/memory", {"limit": "1GB"}))
image("invalid", "iso-memory-word", iso("resource/memory", {"limit": "lots"}))
image("invalid", "iso-memory-bool", iso("resource/memory", {"limit": True}))
image("invalid", "iso-memory-not-object", iso("resource/memory", "1G"))
image("invalid", "iso-block-bandwidth-default-false", iso("resource/block-bandwidth", {"default": False, "limit": "1M"}))
image("invalid", "iso-block-iops-request", iso("resource/block-iops", {"default": True, "request": "1", "limit": "1"}))
image("invalid", "iso-network-bandwidth-no-default", iso("resource/network-bandwidth", {"limit": "1G"}))
image("invalid", "iso-caps-empty-set", iso("os/linux/capabilities-retain-set", {"set": []}))
image("invalid", "iso-caps-missing-set", iso("os/linux/capabilities-remove-set", {}))
image("invalid", "iso-caps-set-string", iso("os/linux/capabilities-retain-set", {"set": "CAP_KILL"}))
image("invalid", "iso-nnp-string", iso("os/linux/no-new-privileges", "true"))
image("invalid", "iso-seccomp-empty", iso("os/linux/seccomp-retain-set", {"set": []}))
image("invalid", "iso-seccomp-bad-errno", iso("os/linux/seccomp-remove-set", {"set": ["reboot"], "errno": "eperm"}))
image("invalid", "iso-seccomp-errno-no-e", iso("os/linux/seccomp-remove-set", {"set": ["reboot"], "errno": "PERM"}))
image("invalid", "iso-seccomp-both", app_isos(("os/linux/seccomp-retain-set", {"set": ["read"]}),
                                              ("os/linux/seccomp-remove-set", {"set": ["reboot"]})))
image("invalid", "iso-caps-both", app_isos(("os/linux/capabilities-retain-set", {"set": ["CAP_CHOWN"]}),
                                           ("os/linux/capabilities-remove-set", {"set": ["CAP_KILL"]})))
image("valid", "iso-caps-retain-twice", app_isos(("os/linux/capabilities-retain-set", {"set": ["CAP_CHOWN"]}),
                                                 ("os/linux/capabilities-retain-set", {"set": ["CAP_KILL"]})))
image("invalid", "iso-seccomp-twice", app_isos(("os/linux/seccomp-remove-set", {"set": ["reboot"]}),
                                               ("os/linux/seccomp-remove-set", {"set": ["kexec_load"]})))
image("invalid", "iso-oom-too-low", iso("os/linux/oom-score-adj", -1001))
image("invalid", "iso-oom-too-high", iso("os/linux/oom-score-adj", 1001))
image("invalid", "iso-oom-string", iso("os/linux/oom-score-adj", "5"))
image("invalid", "iso-oom-float", iso("os/linux/oom-score-adj", 1.5))
image("invalid", "iso-oom-twice", app_isos(("os/linux/oom-score-adj", 1), ("os/linux/oom-score-adj", 2)))
image("invalid", "iso-cpu-shares-too-low", iso("os/linux/cpu-shares", 1))
image("invalid", "iso-cpu-shares-too-high", iso("os/linux/cpu-shares", 262145))
image("invalid", "iso-cpu-shares-twice", app_isos(("os/linux/cpu-shares", 2), ("os/linux/cpu-shares", 4)))
image("invalid", "iso-selinux-missing-level", iso("os/linux/selinux-context", {"user": "u", "role": "r", "type": "t"}))
image("invalid", "iso-selinux-colon", iso("os/linux/selinux-context", {"user": "u:x", "role": "r", "type": "t",
                                                                      "level": "s0"}))
image("invalid", "iso-sysctl-number-value", iso("os/unix/sysctl", {"kernel.shmmax": 1}))
image("invalid", "iso-sysctl-twice", app_isos(("os/unix/sysctl", {"a": "1"}), ("os/unix/sysctl", {"b": "2"})))
image("invalid", "iso-bad-name", iso("Resource/Memory", {"limit": "1G"}))
image("invalid", "iso-not-object", setk("app", "isolators", ["resource/memory"]))
image("invalid", "iso-list-object", setk("app", "isolators", {"name": "resource/memory", "value": {}}))

# ---- annotations, dependencies, pathWhitelist
image("valid", "annotations-recognized", setk("annotations", [
    {"name": "authors", "value": "A <a@example.com>"},
    {"name": "created", "value": "2014-10-27T19:32:27.67021798Z"},
    {"name": "homepage", "value": "https://example.com"},
    {"name": "documentation", "value": "http://example.com/docs"}]))
image("valid", "annotations-created-offset", setk("annotations", [{"name": "created", "value": "2015-05-18T13:49:28-04:00"}]))
image("valid", "annotations-leap-day", setk("annotations", [{"name": "created", "value": "2016-02-29T12:00:00Z"}]))
image("valid", "annotations-custom", setk("annotations", [{"name": "example.com/build-host", "value": "b1"}]))
image("valid", "annotations-homepage-uppercase-scheme", setk("annotations", [{"name": "homepage", "value": "HTTPS://example.com"}]))
image("invalid", "annotations-created-date-only", setk("annotations", [{"name": "created", "value": "2014-10-27"}]))
image("invalid", "annotations-created-space", setk("annotations", [{"name": "created", "value": "2014-10-27 19:32:27Z"}]))
image("invalid", "annotations-created-feb-30", setk("annotations", [{"name": "created", "value": "2015-02-30T00:00:00Z"}]))
image("invalid", "annotations-created-no-zone", setk("annotations", [{"name": "created", "value": "2014-10-27T19:32:27"}]))
image("invalid", "annotations-homepage-ftp", setk("annotations", [{"name": "homepage", "value": "ftp://example.com"}]))
image("invalid", "annotations-documentation-no-scheme", setk("annotations", [{"name": "documentation", "value": "example.com/docs"}]))
image("invalid", "annotations-homepage-bad-escape", setk("annotations", [{"name": "homepage", "value": "https://example.com/%zz"}]))
image("invalid", "annotations-duplicate", setk("annotations", [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]))
image("invalid", "annotations-bad-name", setk("annotations", [{"name": "Authors", "value": "x"}]))
image("valid", "dependencies-full", setk("dependencies", [{"imageName": "example.com/base", "imageID": HASH,
                                                           "labels": [{"name": "version", "value": "1"}], "size": 1024}]))
image("valid", "dependencies-name-only", setk("dependencies", [{"imageName": "example.com/base"}]))
image("valid", "dependencies-full-length-id", setk("dependencies", [{"imageName": "b", "imageID": "sha512-" + "ab" * 64}]))
image("invalid", "dependencies-missing-name", setk("dependencies", [{"imageID": HASH}]))
image("invalid", "dependencies-bad-name", setk("dependencies", [{"imageName": "Base"}]))
image("invalid", "dependencies-sha256", setk("dependencies", [{"imageName": "b", "imageID": "sha256-" + "ab" * 32}]))
image("invalid", "dependencies-id-no-dash", setk("dependencies", [{"imageName": "b", "imageID": "sha512"}]))
image("invalid", "dependencies-id-empty-value", setk("dependencies", [{"imageName": "b", "imageID": "sha512-"}]))
image("invalid", "dependencies-size-negative", setk("dependencies", [{"imageName": "b", "size": -1}]))
image("invalid", "dependencies-size-string", setk("dependencies", [{"imageName": "b", "size": "1k"}]))
image("invalid", "dependencies-bad-label", setk("dependencies", [{"imageName": "b", "labels": [{"name": "name", "value": "x"}]}]))
image("valid", "pathwhitelist", setk("pathWhitelist", ["/etc/ca.crt", "/bin/app"]))
image("valid", "pathwhitelist-empty", setk("pathWhitelist", []))
image("invalid", "pathwhitelist-string", setk("pathWhitelist", "/bin/app"))
image("invalid", "pathwhitelist-number", setk("pathWhitelist", [1]))

# ---- pod manifests
pod("valid", "minimal", lambda d: None)
put("pod", "valid", "bare", {"acVersion": "0.8.11", "acKind": "PodManifest", "apps": []})
pod("valid", "no-apps", setk("apps", []))
pod("valid", "app-without-app-section", delk("apps", 0, "app"))
pod("valid", "app-without-image-name", delk("apps", 0, "image", "name"))
pod("valid", "app-image-labels", setk("apps", 0, "image", "labels", [{"name": "version", "value": "1"}]))
pod("valid", "two-apps", lambda d: d["apps"].append({"name": "side", "image": {"id": HASH}}))
pod("valid", "readonly-rootfs", setk("apps", 0, "readOnlyRootFS", True))
pod("valid", "mounts", setk("apps", 0, "mounts", [{"volume": "data", "path": "/data"}]))
pod("valid", "mount-app-volume", setk("apps", 0, "mounts", [{"volume": "data", "path": "/data",
                                                             "appVolume": {"name": "data", "kind": "empty"}}]))
pod("valid", "app-annotations", setk("apps", 0, "annotations", [{"name": "a", "value": "b"}]))
pod("valid", "volume-host", setk("volumes", [{"name": "v", "kind": "host", "source": "/srv", "readOnly": True,
                                              "recursive": False}]))
pod("valid", "volume-empty-defaults", setk("volumes", [{"name": "v", "kind": "empty"}]))
pod("valid", "volume-empty-full", setk("volumes", [{"name": "v", "kind": "empty", "mode": "0700", "uid": 1000,
                                                    "gid": 1000}]))
pod("valid", "isolators", setk("isolators", [{"name": "resource/memory", "value": {"limit": "1G"}}]))
pod("valid", "isolators-unknown", setk("isolators", [{"name": "example.com/x", "value": [1]}]))
pod("valid", "ports", setk("ports", [{"name": "http", "hostPort": 8080}]))
pod("valid", "ports-host-ip-v6", setk("ports", [{"name": "http", "hostPort": 8080, "hostIP": "::1"}]))
pod("valid", "ports-pod-port", setk("ports", [{"name": "http", "hostPort": 8080,
                                               "podPort": {"name": "http", "protocol": "tcp", "port": 80}}]))
pod("valid", "user-annotations-labels", lambda d: d.update({"userAnnotations": {"a": "b"}, "userLabels": {"c": "d"}}))
pod("valid", "annotations", setk("annotations", [{"name": "created", "value": "2020-01-01T00:00:00Z"}]))
pod("invalid", "wrong-kind", setk("acKind", "ImageManifest"))
pod("invalid", "bad-version", setk("acVersion", "zero"))
pod("invalid", "duplicate-apps", lambda d: d["apps"].append(copy.deepcopy(d["apps"][0])))
pod("invalid", "app-bad-name", setk("apps", 0, "name", "App"))
pod("invalid", "app-image-bad-id-type", setk("apps", 0, "image", "id", "md5-abc"))
pod("invalid", "app-image-bad-name", setk("apps", 0, "image", "name", "Example"))
pod("invalid", "app-section-missing-user", delk("apps", 0, "app", "user"))
pod("invalid", "app-readonly-string", setk("apps", 0, "readOnlyRootFS", "yes"))
pod("invalid", "apps-object", setk("apps", {"app": {}}))
pod("invalid", "volume-unknown-kind", setk("volumes", [{"name": "v", "kind": "tmpfs"}]))
pod("invalid", "volume-missing-kind", setk("volumes", [{"name": "v"}]))
pod("invalid", "volume-host-relative", setk("volumes", [{"name": "v", "kind": "host", "source": "srv"}]))
pod("invalid", "volume-host-no-source", setk("volumes", [{"name": "v", "kind": "host"}]))
pod("invalid", "volume-host-mode", setk("volumes", [{"name": "v", "kind": "host", "source": "/s", "mode": "0700"}]))
pod("invalid", "volume-host-uid", setk("volumes", [{"name": "v", "kind": "host", "source": "/s", "uid": 1}]))
pod("invalid", "volume-empty-source", setk("volumes", [{"name": "v", "kind": "empty", "source": "/s"}]))
pod("invalid", "volume-duplicate", setk("volumes", [{"name": "v", "kind": "empty"}, {"name": "v", "kind": "empty"}]))
pod("invalid", "volume-bad-name", setk("volumes", [{"name": "V", "kind": "empty"}]))
pod("invalid", "volume-uid-string", setk("volumes", [{"name": "v", "kind": "empty", "uid": "0"}]))
pod("invalid", "volume-readonly-string", setk("volumes", [{"name": "v", "kind": "host", "source": "/s", "readOnly": "no"}]))
pod("invalid", "mount-app-volume-bad", setk("apps", 0, "mounts", [{"volume": "d", "path": "/d",
                                                                    "appVolume": {"name": "d", "kind": "host"}}]))
pod("invalid", "mount-bad-volume-name", setk("apps", 0, "mounts", [{"volume": "D", "path": "/d"}]))
pod("invalid", "isolator-bad-value", setk("isolators", [{"name": "os/linux/oom-score-adj", "value": 5000}]))
pod("invalid", "isolator-bad-memory", setk("isolators", [{"name": "resource/memory", "value": {"limit": "x"}}]))
pod("invalid", "ports-bad-ip", setk("ports", [{"name": "http", "hostPort": 8080, "hostIP": "300.1.1.1"}]))
pod("invalid", "ports-negative", setk("ports", [{"name": "http", "hostPort": -1}]))
pod("invalid", "ports-pod-port-zero", setk("ports", [{"name": "http", "hostPort": 1,
                                                      "podPort": {"name": "http", "protocol": "tcp", "port": 0}}]))
pod("invalid", "annotations-bad-date", setk("annotations", [{"name": "created", "value": "yesterday"}]))
pod("invalid", "user-labels-number", setk("userLabels", {"a": 1}))

# ---- where the reference implementation and the spec disagree (see known_differences.json)
put("image", "invalid", "missing-kind", {"acVersion": "0.8.11", "name": "a"})
image("invalid", "iso-nnp-null-value", iso("os/linux/no-new-privileges", None))
image("invalid", "iso-memory-missing-value", setk("app", "isolators", [{"name": "resource/memory"}]))
image("valid", "iso-unknown-app-isolator", iso("example.com/custom", {"x": 1}))
image("invalid", "iso-memory-negative", iso("resource/memory", {"limit": "-1G"}))
image("invalid", "iso-cpu-negative-request", iso("resource/cpu", {"request": "-500m"}))
image("invalid", "dependencies-id-not-hex", setk("dependencies", [{"imageName": "b", "imageID": "sha512-xyz"}]))
image("invalid", "app-exec-empty", setk("app", "exec", []))
image("invalid", "app-exec-relative", setk("app", "exec", ["app"]))
image("invalid", "app-mountpoint-missing-path", setk("app", "mountPoints", [{"name": "m"}]))
image("invalid", "app-mountpoint-missing-name", setk("app", "mountPoints", [{"path": "/m"}]))
image("invalid", "app-port-missing-name", setk("app", "ports", [{"protocol": "tcp", "port": 80}]))
image("invalid", "app-port-missing-protocol", setk("app", "ports", [{"name": "p", "port": 80}]))
image("invalid", "labels-missing-name-with-os", setk("labels", [{"value": "linux"}]))
image("invalid", "annotations-missing-name", setk("annotations", [{"value": "x"}]))
image("invalid", "pathwhitelist-relative", setk("pathWhitelist", ["bin/app"]))
image("invalid", "case-insensitive-keys", lambda d: d.update({"NAME": d.pop("name")}))
image("invalid", "version-leading-zero-major", setk("acVersion", "00.8.11"))
pod("invalid", "missing-version", delk("acVersion"))
put("pod", "invalid", "missing-kind", {"acVersion": "0.8.11", "apps": []})
pod("invalid", "app-missing-name", delk("apps", 0, "name"))
pod("invalid", "app-missing-image-id", delk("apps", 0, "image", "id"))
pod("invalid", "app-missing-image", delk("apps", 0, "image"))
pod("invalid", "mount-missing-path", setk("apps", 0, "mounts", [{"volume": "d"}]))
pod("invalid", "mount-missing-volume", setk("apps", 0, "mounts", [{"path": "/d"}]))
pod("invalid", "isolator-null-value", setk("isolators", [{"name": "os/linux/cpu-shares", "value": None}]))
pod("invalid", "ports-missing-name", setk("ports", [{"hostPort": 80}]))
pod("invalid", "volume-missing-name", setk("volumes", [{"kind": "empty"}]))
pod("invalid", "missing-apps", delk("apps"))
image("invalid", "name-dotdot-component", setk("name", "example.com/../etc"))
image("invalid", "name-empty-component", setk("name", "example.com//app"))
pod("invalid", "ports-missing-host-port", setk("ports", [{"name": "http"}]))
image("invalid", "app-missing-exec", delk("app", "exec"))
put("image", "invalid", "duplicate-key-both-valid",
    text='{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "a", "name": "b"}\n')


# ---- appc's text to the letter, where the reference is lax (each in known_differences.json)
image("invalid", "version-not-tagged", setk("acVersion", "0.4.9"))
image("invalid", "version-newer-minor", setk("acVersion", "0.9.0"))
pod("invalid", "version-newer-patch", setk("acVersion", "0.8.12"))
image("invalid", "app-gids-negative", setk("app", "supplementaryGIDs", [-1]))
image("invalid", "app-gids-over-32-bits", setk("app", "supplementaryGIDs", [4294967296]))
image("valid", "app-gids-max", setk("app", "supplementaryGIDs", [4294967295]))
image("invalid", "iso-memory-suffix-micro", iso("resource/memory", {"limit": "1u"}))
image("invalid", "iso-cpu-suffix-nano", iso("resource/cpu", {"limit": "500n"}))
image("valid", "iso-memory-suffix-upper-k", iso("resource/memory", {"limit": "64K"}))
put("image", "invalid", "utf8-bom",
    text='\ufeff{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/app"}\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    names = [n for n, _ in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit(f"duplicate case names: {sorted(dup)}")
    for old in os.listdir(OUT):
        if old.endswith(".json") and old not in names:
            os.remove(os.path.join(OUT, old))
    for name, text in cases:
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"{len(cases)} manifests in {OUT}")


if __name__ == "__main__":
    main()
