#!/usr/bin/env python3
"""A Docker registry token service (the distribution token protocol) for rkt's registry tests:
GET /token?service=S&scope=repository:NAME:ACTIONS with Basic credentials USER:PASSWORD answers
{"token": JWT}, a JWT signed RS256 with KEY whose x5c header carries CERT (the registry's
rootcertbundle), granting the scopes asked for. Anything else gets 401. Every request is logged
to LOG as "<path> <status> <authorization scheme>". Listens on 127.0.0.1 only; signs with the
openssl command, since Debian's python3 has no RSA of its own."""

import argparse
import base64
import http.server
import json
import os
import subprocess
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--credentials", required=True, help="USER:PASSWORD")
    p.add_argument("--log", required=True)
    args = p.parse_args()
    der = subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    want = "Basic " + base64.b64encode(args.credentials.encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def answer(self, status, body):
            auth = self.headers.get("Authorization", "none").split(" ")[0]
            with open(args.log, "a") as f:
                f.write(f"{self.path} {status} {auth}\n")
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/token" or self.headers.get("Authorization") != want:
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED"}]})
            q = urllib.parse.parse_qs(url.query)
            access = []
            for scope in q.get("scope", []):
                kind, name, actions = scope.split(":")
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
            now = int(time.time())
            header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
            claims = {"iss": args.issuer, "sub": args.credentials.split(":")[0],
                      "aud": q.get("service", [""])[0], "exp": now + 600, "nbf": now - 60, "iat": now,
                      "jti": b64url(os.urandom(12)), "access": access}
            signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key], input=signing_input.encode(),
                                 check=True, capture_output=True).stdout
            self.answer(200, {"token": signing_input + "." + b64url(sig), "expires_in": 600})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
