#!/usr/bin/env bash
# The main job, from nothing: installs the dependencies, builds rkt, builds a small signed
# sample image from Debian's busybox-static, trusts its throwaway GnuPG key, fetches it into the
# store and runs it. Everything lives under out/demo (data dir, config, keys), never in
# /var/lib/rkt or /etc/rkt. Steps the runtime cannot do yet are named, never faked.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh
scripts/build.sh

rkt=$root/build/stage0/rkt
actool=$root/build/actool/actool
demo=$root/out/demo
rm -rf "$demo"
mkdir -p "$demo/layout/rootfs/bin" "$demo/layout/rootfs/etc" "$demo/gnupg" "$demo/data" "$demo/etc"
chmod 700 "$demo/gnupg"
step() { printf '\n== %s\n' "$*"; }

step "building the sample image example.com/hello:1.0.0 from busybox-static"
cp /bin/busybox "$demo/layout/rootfs/bin/busybox"
for applet in sh echo cat ls uname id; do ln -s busybox "$demo/layout/rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/:/bin/sh\n' >"$demo/layout/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$demo/layout/rootfs/etc/group"
cat >"$demo/layout/manifest" <<'JSON'
{
  "acKind": "ImageManifest",
  "acVersion": "0.8.11",
  "name": "example.com/hello",
  "labels": [
    {"name": "version", "value": "1.0.0"},
    {"name": "os", "value": "linux"},
    {"name": "arch", "value": "ARCH"}
  ],
  "app": {
    "exec": ["/bin/sh", "-c", "echo Hello from an App Container, running $(uname -s) as uid $(id -u)"],
    "user": "0",
    "group": "0"
  },
  "annotations": [{"name": "authors", "value": "rkt sample"}]
}
JSON
case $(uname -m) in x86_64) arch=amd64 ;; i?86) arch=i386 ;; *) arch=$(uname -m) ;; esac
sed -i "s/ARCH/$arch/" "$demo/layout/manifest"
image=$demo/hello-1.0.0-linux-$arch.aci
"$actool" build --owner-root "$demo/layout" "$image"
"$actool" validate "$image"
if [ -x build/reference/actool ]; then build/reference/actool validate "$image" && echo "appc's reference actool accepts it"; fi
manifest=$("$actool" cat-manifest "$image")
printf '%s\n' "${manifest:0:300}"

step "signing it with a throwaway GnuPG key"
export GNUPGHOME=$demo/gnupg
gpg --batch --quiet --passphrase '' --quick-gen-key "rkt sample <sample@example.com>" ed25519 sign never
gpg --batch --quiet --armor --detach-sign --output "$image.asc" "$image"
gpg --batch --quiet --armor --export sample@example.com >"$demo/sample.pubkey"
gpg --batch --quiet --verify "$image.asc" "$image" && echo "signature $image.asc made"

missing=()
have() { "$rkt" help "$1" >/dev/null 2>&1 || { missing+=("rkt $1"); return 1; }; }
flags=(--dir="$demo/data" --local-config="$demo/etc")

if have trust; then
  step "trusting the key for example.com/hello"
  "$rkt" "${flags[@]}" trust --skip-fingerprint-review --prefix=example.com/hello "$demo/sample.pubkey"
fi
if have fetch && ((${#missing[@]} == 0)); then
  step "fetching the signed image into the store"
  "$rkt" "${flags[@]}" fetch "$image"
fi
if have run && ((${#missing[@]} == 0)); then
  step "running it (by name, from the store) in a pod on rkt's default network"
  "$rkt" "${flags[@]}" run example.com/hello:1.0.0
  "$rkt" "${flags[@]}" list
  step "collecting the pod, its network with it"
  "$rkt" "${flags[@]}" gc --grace-period=0s
fi

if ((${#missing[@]})); then
  printf '\n== not done: this build of rkt does not have %s yet.\n' "${missing[*]}"
  echo "   The image, its signature and the public key are in $demo for when it does."
fi
