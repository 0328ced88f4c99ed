#!/usr/bin/env bash
# `cmake --install` puts rkt where its users expect it: /usr/bin, /usr/lib/rkt, /etc/rkt.
set -euo pipefail
build=$1
cmake=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest "$cmake" --install "$build" --prefix /usr >/dev/null
status=0
for p in usr/bin/rkt usr/bin/actool usr/lib/rkt etc/rkt usr/lib/tmpfiles.d/rkt.conf usr/lib/rkt/stage1-images/stage1.aci \
  usr/lib/systemd/system/rkt-gc.service usr/lib/systemd/system/rkt-gc.timer \
  usr/lib/systemd/system/rkt-metadata.socket usr/lib/systemd/system/rkt-metadata.service; do
  if [ -e "$dest/$p" ]; then echo "ok: /$p"; else echo "missing: /$p"; status=1; fi
done
version=$("$dest/usr/bin/rkt" version) || version=
grep -q '^appc Version: ' <<<"$version" || { echo "installed rkt does not run"; status=1; }
exit $status
