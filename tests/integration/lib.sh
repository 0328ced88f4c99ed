# Shared helpers for the shell-driven integration tests. Source it with RKT and ACTOOL set.
# Each test prints "ok - ..." or "not ok - ..." per check and ends with "N passed, N failed".
set -u
T=$(mktemp -d /tmp/rkt-sh-XXXXXX)
PASS=0
FAIL=0
SERVER_PID=

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -d "$T/gnupg" ] && gpgconf --homedir "$T/gnupg" --kill gpg-agent 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

# check DESC WANT_EXIT CMD...: runs CMD, output in $T/out and $T/err.
check() {
  local desc=$1 want=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, want $want)"; sed 's/^/    /' "$T/err"; fi
}

# contains DESC FILE TEXT: FILE holds TEXT.
contains() {
  if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1: no \"$3\" in:"; sed 's/^/    /' "$2"; fi
}

# must_run_or_skip REASON: a test that cannot run here skips, but fails in CI.
must_run_or_skip() {
  if [ -n "${RKT_TESTS_MUST_RUN:-}" ] && [ "${RKT_TESTS_MUST_RUN}" != 0 ]; then
    echo "not ok - cannot run: $*"
    exit 1
  fi
  echo "skipped: needs $*"
  exit 77
}

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]
}

# A test CA and a server certificate for localhost, 127.0.0.1 and example.com names.
make_certs() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rkt test CA" \
    -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$T/server.key" -out "$T/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:example.com,DNS:*.example.com,DNS:example.org\n' >"$T/san.ext"
  openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
    -extfile "$T/san.ext" -out "$T/server.pem" 2>/dev/null
}

# start_server ROOT [extra args]: starts the test server; sets PORT (and PLAIN_PORT).
start_server() {
  local root=$1
  shift
  rm -f "$T/port" "$T/port.plain"
  python3 "$(dirname "${BASH_SOURCE[0]}")/aci_server.py" --root "$root" --cert "$T/server.pem" \
    --key "$T/server.key" --port-file "$T/port" "$@" &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -f "$T/port" ] && break; sleep 0.05; done
  PORT=$(cat "$T/port")
  PLAIN_PORT=$(cat "$T/port.plain" 2>/dev/null || true)
}

make_key() {
  mkdir -p "$T/gnupg"
  chmod 700 "$T/gnupg"
  gpg --homedir "$T/gnupg" --batch --quiet --passphrase '' --quick-gen-key "Test <test@example.com>" ed25519 sign never
  gpg --homedir "$T/gnupg" --batch --armor --export test@example.com >"$T/key.pub"
}

sign() { gpg --homedir "$T/gnupg" --batch --yes --armor --output "$1.asc" --detach-sign "$1"; }

# make_image NAME VERSION OUT [EXTRA_MANIFEST_JSON]: a small image.
make_image() {
  local name=$1 version=$2 out=$3 extra=${4:-}
  local dir
  dir=$(mktemp -d "$T/layout-XXXXXX")
  mkdir -p "$dir/rootfs/etc"
  echo "$name $version" >"$dir/rootfs/etc/image"
  printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"%s","labels":[{"name":"version","value":"%s"},{"name":"os","value":"linux"},{"name":"arch","value":"%s"}]%s}' \
    "$name" "$version" "$(arch_label)" "$extra" >"$dir/manifest"
  "$ACTOOL" build --overwrite "$dir" "$out" >/dev/null
}

arch_label() { case $(uname -m) in x86_64) echo amd64 ;; *) uname -m ;; esac; }

count_requests() { grep -c -- "$1" "$2/requests.log" 2>/dev/null || true; }
