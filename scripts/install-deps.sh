#!/usr/bin/env bash
# Installs everything the build, the tests and the sample job need, from Debian's
# package registry only. Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  nlohmann-json3-dev libgtest-dev libgmock-dev
  libarchive-dev libssl-dev libseccomp-dev libcap-dev libcurl4-openssl-dev librnp-dev libisal-dev
  clang clang-format clang-tidy cppcheck libclang-rt-14-dev
  golang-go golang-github-appc-spec-dev
  busybox-static gnupg
  python3 openssl iproute2 util-linux
  containernetworking-plugins iptables umoci skopeo docker-registry
  qemu-system-x86 linux-image-amd64 systemd cpio e2fsprogs kmod strace
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # No package may start a service here: docker-registry, for one, would listen on every
  # interface. The tests start their own, on loopback of their own network namespace.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if command -v systemctl >/dev/null; then systemctl disable docker-registry.service >/dev/null 2>&1 || true; fi
fi
