#!/usr/bin/env bash
# rkt fetch over https from a test server on 127.0.0.1 with a test CA: TLS verification, plain
# http refused, ETag and Cache-Control reuse, pull policies, and auth.d credentials.
RKT=$1
ACTOOL=$2
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || must_run_or_skip "python3"
command -v openssl >/dev/null || must_run_or_skip "openssl"
make_certs
make_key
srv=$T/srv/127.0.0.1
mkdir -p "$srv/basic" "$srv/bearer"
make_image example.com/hello 1.0 "$srv/hello.aci"
sign "$srv/hello.aci"
cp "$srv/hello.aci" "$srv/hello.aci.asc" "$srv/basic/"
cp "$srv/hello.aci" "$srv/hello.aci.asc" "$srv/bearer/"
make_image example.com/cached 1.0 "$srv/cached.aci"
sign "$srv/cached.aci"
echo "max-age=3600" >"$srv/cached.aci.cache-control"
start_server "$T/srv" --plain-port 0
url=https://127.0.0.1:$PORT

rkt() { SSL_CERT_FILE=$T/ca.pem "$RKT" --dir="$T/data" --local-config="$T/etc" --system-config="$T/sys" "$@"; }
check "trust the test key" 0 rkt trust --skip-fingerprint-review --prefix=example.com "$T/key.pub"

check "fetch a signed image over https" 0 rkt fetch "$url/hello.aci"
contains "fetch prints the image ID" "$T/out" "sha512-"
id=$(cat "$T/out")
check "fetch again with the default pull policy (update)" 0 rkt fetch "$url/hello.aci"
contains "same image" "$T/out" "$id"
[ "$(count_requests "/hello.aci 304" "$T/srv")" = 1 ] && ok "the second fetch was a conditional GET answered 304" ||
  not_ok "no 304 for the second fetch: $(cat "$T/srv/requests.log")"
check "fetch with --pull-policy=new" 0 rkt fetch --pull-policy=new "$url/hello.aci"
[ "$(count_requests "GET 127.0.0.1 /hello.aci " "$T/srv")" = 2 ] && ok "--pull-policy=new made no request" ||
  not_ok "--pull-policy=new made a request"
check "fetch with Cache-Control: max-age" 0 rkt fetch "$url/cached.aci"
check "fetch it again within max-age" 0 rkt fetch "$url/cached.aci"
[ "$(count_requests "GET 127.0.0.1 /cached.aci " "$T/srv")" = 1 ] && ok "max-age was honoured: one request" ||
  not_ok "max-age ignored: $(grep cached.aci "$T/srv/requests.log")"
check "--pull-policy=never finds a fetched URL in the store" 0 rkt fetch --pull-policy=never "$url/hello.aci"
check "--pull-policy=never refuses what the store lacks" 254 rkt fetch --pull-policy=never "$url/other.aci"
contains "... saying so" "$T/err" "is not in the store (--pull-policy=never)"

check "a server certificate from an unknown CA is refused" 254 \
  env -u SSL_CERT_FILE "$RKT" --dir="$T/data2" --local-config="$T/etc" fetch "$url/hello.aci"
contains "... naming the URL" "$T/err" "fetching \"$url/hello.aci\""
check "--insecure-options=tls skips the TLS checks (the signature is still checked)" 0 \
  env -u SSL_CERT_FILE "$RKT" --dir="$T/data2" --local-config="$T/etc" --insecure-options=tls fetch "$url/hello.aci"

plain=http://127.0.0.1:$PLAIN_PORT
check "plain http is refused" 254 rkt fetch "$plain/hello.aci"
contains "... with the option that allows it" "$T/err" "--insecure-options=http"
check "plain http with --insecure-options=http" 0 rkt --insecure-options=http fetch "$plain/hello.aci"

check "a 404 is an error naming the URL" 254 rkt fetch "$url/missing.aci"
contains "... with the status" "$T/err" "HTTP status 404"

check "basic auth is needed" 254 rkt fetch "$url/basic/hello.aci"
contains "... and the server said so" "$T/err" "HTTP status 401"
mkdir -p "$T/etc/auth.d"
printf '{"rktKind":"auth","rktVersion":"v1","domains":["127.0.0.1"],"type":"basic","credentials":{"user":"user","password":"secret"}}' \
  >"$T/etc/auth.d/basic.json"
check "auth.d basic credentials are sent" 0 rkt fetch "$url/basic/hello.aci"
printf '{"rktKind":"auth","rktVersion":"v1","domains":["127.0.0.1"],"type":"oauth","credentials":{"token":"t0ken"}}' \
  >"$T/etc/auth.d/basic.json"
check "auth.d oauth tokens are sent" 0 rkt fetch "$url/bearer/hello.aci"
printf '{"rktKind":"auth","rktVersion":"v1","domains":["other.org"],"type":"oauth","credentials":{"token":"t0ken"}}' \
  >"$T/etc/auth.d/basic.json"
check "credentials are not sent to other hosts" 254 rkt fetch --pull-policy=update "$url/bearer/hello.aci"
printf '{"rktKind":"auth"' >"$T/etc/auth.d/basic.json"
check "a broken auth.d file is an error" 254 rkt fetch "$url/hello.aci"
contains "... naming the file" "$T/err" "auth.d/basic.json"
rm -f "$T/etc/auth.d/basic.json"

# A tampered image on the server: the signature check refuses it, nothing enters the store.
make_image example.com/hello 2.0 "$srv/tampered.aci"
cp "$srv/hello.aci.asc" "$srv/tampered.aci.asc"
check "a tampered download is refused" 254 rkt fetch "$url/tampered.aci"
contains "... as a bad signature" "$T/err" "bad signature"
finish
