#!/usr/bin/env bash
# appc discovery end to end: image names resolved through <meta name="ac-discovery"> pages served
# over https for example.com, keys through ac-discovery-pubkeys, dependencies fetched by name,
# and names or labels that do not match what was asked for refused. Runs in private network
# and mount namespaces: example.com resolves to 127.0.0.1 through a bind-mounted /etc/hosts, and
# the server listens on port 443 of a loopback no one else shares.
RKT=$1
ACTOOL=$2
. "$(dirname "$0")/lib.sh"

if [ -z "${RKT_IN_NAMESPACE:-}" ]; then
  [ "$(id -u)" = 0 ] || must_run_or_skip "root (private network and mount namespaces)"
  unshare --net --mount --propagation private true 2>/dev/null || must_run_or_skip "unshare of net and mount namespaces"
  RKT_IN_NAMESPACE=1 exec unshare --net --mount --propagation private bash "$0" "$RKT" "$ACTOOL"
fi
ip link set lo up
printf '127.0.0.1 localhost example.com example.org\n' >"$T/hosts"
mount --bind "$T/hosts" /etc/hosts

make_certs
make_key
arch=$(arch_label)
www=$T/srv/example.com
mkdir -p "$www/images" "$www/hello" "$www/keys" "$www/liar"
cp "$T/key.pub" "$www/keys/signer.pub"
cat >"$www/discovery.html" <<HTML
<html><head>
<meta name="ac-discovery" content="example.com https://example.com/images/{name}-{version}-{os}-{arch}.{ext}">
<meta name="ac-discovery-pubkeys" content="example.com https://example.com/keys/signer.pub">
</head></html>
HTML
# example.com/liar answers with its own page: an image that calls itself example.com/hello.
cat >"$www/liar/discovery.html" <<HTML
<meta name="ac-discovery" content="example.com/liar https://example.com/images/example.com/hello-{version}-{os}-{arch}.{ext}">
HTML
mkdir -p "$www/images/example.com"
make_image example.com/hello 1.0 "$www/images/example.com/hello-1.0-linux-$arch.aci"
make_image example.com/hello 2.0 "$www/images/example.com/hello-2.0-linux-$arch.aci"
make_image example.com/hello 3.0 "$www/images/example.com/hello-3.0-linux-$arch.aci"
make_image example.com/base 1.0 "$www/images/example.com/base-1.0-linux-$arch.aci"
make_image example.com/app 1.0 "$www/images/example.com/app-1.0-linux-$arch.aci" \
  ',"dependencies":[{"imageName":"example.com/base","labels":[{"name":"version","value":"1.0"}]}]'
# A cycle (cyc-a -> cyc-b -> cyc-a), and an image with one stored and one missing dependency.
dep() { printf ',"dependencies":[%s]' "$(printf '{"imageName":"example.com/%s","labels":[{"name":"version","value":"1.0"}]},' "$@" | sed 's/,$//')"; }
make_image example.com/cyc-a 1.0 "$www/images/example.com/cyc-a-1.0-linux-$arch.aci" "$(dep cyc-b)"
make_image example.com/cyc-b 1.0 "$www/images/example.com/cyc-b-1.0-linux-$arch.aci" "$(dep cyc-a)"
make_image example.com/half 1.0 "$www/images/example.com/half-1.0-linux-$arch.aci" "$(dep base missing)"
for f in "$www"/images/example.com/*.aci; do sign "$f"; done
start_server "$T/srv" --port 443

rkt() { SSL_CERT_FILE=$T/ca.pem "$RKT" --dir="$T/data" --local-config="$T/etc" --system-config="$T/sys" "$@"; }

# As Nomad's driver runs it (client/driver/rkt.go, drivers/rkt/driver.go).
check "trust by prefix, keys found by discovery" 0 rkt trust --skip-fingerprint-review=true --prefix=example.com --debug=false
contains "... from the advertised URL" "$T/out" "https://example.com/keys/signer.pub"
check "fetch by name and version" 0 rkt fetch example.com/hello:1.0
check "the image in the store is the one asked for" 0 rkt image cat-manifest example.com/hello:1.0
contains "... version 1.0" "$T/out" '"value": "1.0"'
check "fetch by name and version label" 0 rkt fetch example.com/hello,version=2.0
check "image list shows both versions" 0 rkt image list --no-legend --fields=name
contains "... 1.0" "$T/out" "example.com/hello:1.0"
contains "... 2.0" "$T/out" "example.com/hello:2.0"
check "fetch a name whose template needs a label that was not given" 254 rkt fetch example.com/hello
contains "... explains discovery failed" "$T/err" "discovering image \"example.com/hello\" failed"
check "a dependency is fetched by name" 0 rkt fetch example.com/app:1.0
check "the dependency is in the store" 0 rkt image cat-manifest example.com/base:1.0
check "the rendered tree has the dependency's files" 0 rkt image render --overwrite example.com/app:1.0 "$T/rendered"
contains "... from base" "$T/rendered/rootfs/etc/image" "example.com/app 1.0"
check "a dependency cycle is refused" 254 rkt fetch example.com/cyc-a:1.0
contains "... naming the image it came back to" "$T/err" "image dependency cycle through \"example.com/cyc-a\""
check "... and neither image of the cycle stays in the store" 0 rkt image list --no-legend --fields=name
if grep -q "cyc-" "$T/out"; then not_ok "an image of the cycle is in the store"; else ok "no image of the cycle is in the store"; fi
check "an image with a missing dependency is refused" 254 rkt fetch example.com/half:1.0
contains "... naming the dependency" "$T/err" "dependency \"example.com/missing\": fetching"
check "... and does not stay, while the dependency stored before does" 0 rkt image list --no-legend --fields=name
if grep -q "half" "$T/out"; then not_ok "the refused image is in the store"; else ok "the refused image is not in the store"; fi
contains "... base is kept" "$T/out" "example.com/base:1.0"
check "a discovered image whose name differs is refused" 254 rkt fetch example.com/liar:1.0
contains "... saying whose name it has" "$T/err" "is named \"example.com/hello\", not the requested \"example.com/liar\""
check "... also when the download is new" 254 rkt fetch example.com/liar:3.0
contains "... before it is imported" "$T/err" "is named \"example.com/hello\""
check "nothing of it entered the store" 0 rkt image list --no-legend --fields=name
if grep -q "hello:3.0" "$T/out"; then not_ok "the refused image is in the store"; else ok "the refused image is not in the store"; fi
check "an unknown host fails with a message naming the name" 254 rkt fetch example.org/nothing:1.0
contains "..." "$T/err" "discovering image \"example.org/nothing\" failed"
check "--pull-policy=never uses the store only" 0 rkt fetch --pull-policy=never example.com/hello:1.0
check "--pull-policy=never refuses what the store lacks" 254 rkt fetch --pull-policy=never example.com/hello:3.0
finish
