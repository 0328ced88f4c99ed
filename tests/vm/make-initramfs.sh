#!/usr/bin/env bash
# Builds the initramfs of a VM test (tests/vm/run.sh) from the build tree: busybox-static with
# every applet linked, rkt, the stage1 image, actool, the probe and the integration tests (at
# the build tree's own paths, which they were compiled with) with the libraries they link, the
# kernel's overlay module (and for the power-loss suite, ext4's and virtio's), and the guest
# scripts. The VM's /init copies all of it into a tmpfs
# and switch_roots there, since an initramfs root cannot pivot_root.
# For the systemd suite it also holds rkt installed as a package installs it (cmake --install to
# /usr, with the units of dist/) and the host's systemd 252 with its libraries, to boot as PID 1.
#   make-initramfs.sh BUILD_DIR KERNEL_VERSION OUT.cpio.gz SUITE
set -Eeuo pipefail
trap 'echo "vm: make-initramfs.sh:$LINENO: \"$BASH_COMMAND\" failed (status $?)" >&2' ERR
build=$(realpath "$1") kver=$2 out=$3 suite=$4
here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,var/lib,lib/modules,newroot,vm}
# An ELF and every library it loads, at their own paths.
copy_elf() {
  local f=$1
  mkdir -p "$root$(dirname "$f")"
  cp -L "$f" "$root$f"
  { ldd "$f" 2>/dev/null || true; } | awk '/=> \//{print $3} /^[ \t]*\/.*ld-linux/{print $1}' | while read -r lib; do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
elves="stage0/rkt actool/actool tests/probe"
[ "$suite" = powerloss ] || elves="$elves tests/integration_tests" # that suite runs rkt only
for f in $elves; do
  copy_elf "$build/$f"
done
copy_elf /bin/bash # the integration suite sources `rkt completion bash` in bash
# The libraries rkt loads on first use (dlopen: common/libarchive.cc, common/libcrypto.cc,
# stage0/gunzip.cc), which ldd does not list. The VM suites verify and download nothing, so
# librnp and libcurl (stage0/pgp.cc, stage0/http.cc) stay out.
for so in libarchive.so.13 libcrypto.so.3 libisal.so.2; do
  # awk reads to the end: under pipefail, an early exit would fail the pipeline whenever
  # ldconfig had output left to write (SIGPIPE), which depends on timing.
  lib=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64/ && !found {print $NF; found = 1}')
  [ -n "$lib" ] || { echo "vm: $so is not installed" >&2; exit 1; }
  copy_elf "$lib"
done
mkdir -p "$root$build/stage1"
cp "$build/stage1/stage1.aci" "$root$build/stage1/"
if [ "$suite" = systemd ]; then
  DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
  for f in /usr/lib/systemd/systemd /usr/lib/systemd/systemd-* /usr/bin/systemctl /usr/bin/journalctl \
    /usr/bin/systemd-run /usr/bin/systemd-notify /usr/bin/systemd-tmpfiles /usr/bin/systemd-socket-activate; do
    [ -f "$f" ] && [ -x "$f" ] && copy_elf "$f"
  done
  cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
  mkdir -p "$root/etc/systemd/system" "$root/usr/lib/tmpfiles.d"
  cp /etc/systemd/*.conf "$root/etc/systemd/" 2>/dev/null || true
  cp /usr/lib/os-release "$root/etc/os-release"
  : >"$root/etc/machine-id"
  ln -s /usr/lib/systemd "$root/lib/systemd"  # Debian's units name /lib/systemd/...
  # The kernel command line boots straight to the suite (systemd.unit=); it powers the VM off.
  cp "$here/guest/rkt-vm-suite.service" "$root/etc/systemd/system/"
fi
cp /bin/busybox "$root/bin/busybox"
# Every applet in each of the four directories: the tests name tools by full path.
for applet in $(/bin/busybox --list); do
  for d in bin sbin usr/bin usr/sbin; do
    [ -e "$root/$d/$applet" ] || ln -s /bin/busybox "$root/$d/$applet"
  done
done

cp "/lib/modules/$kver/kernel/fs/overlayfs/overlay.ko" "$root/lib/modules/"
if [ "$suite" = powerloss ]; then
  # Its data dir is an ext4 virtio disk: the modules for both, in load order.
  mkdir -p "$root/lib/modules/powerloss"
  for m in virtio_pci virtio_blk ext4; do modprobe -S "$kver" --show-depends "$m"; done | awk '$1 == "insmod" && !seen[$2]++ {print $2}' |
    while read -r ko; do
      cp "$ko" "$root/lib/modules/powerloss/"
      basename "$ko" >>"$root/lib/modules/powerloss/order"
    done
  [ -s "$root/lib/modules/powerloss/order" ] || { echo "vm: no ext4/virtio modules for $kver" >&2; exit 1; }
fi

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
printf 'nameserver 192.0.2.53\n' >"$root/etc/resolv.conf"  # the tests read the host's (--dns=host)
cp "$here/guest/init" "$root/init"
cp "$here/guest/"*.sh "$root/vm/"
chmod 755 "$root/init" "$root"/vm/*.sh
printf '%s\n' "$build" >"$root/vm/build-dir"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
