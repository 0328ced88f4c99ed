#!/usr/bin/env python3
"""A small HTTPS server for rkt's fetch tests: serves <root>/<host>/<path> with ETags and
Cache-Control, answers appc discovery (?ac-discovery=1) with <root>/<host>/<path>/discovery.html,
requires credentials under /basic/ and /bearer/, and logs every request to <root>/requests.log.
Listens on loopback only; stops when its parent test stops it."""

import argparse
import hashlib
import http.server
import os
import ssl
import sys
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    root = "."
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, status):
        with open(os.path.join(self.root, "requests.log"), "a") as f:
            f.write(f"{self.command} {self.host()} {self.path} {status}\n")

    def host(self):
        h = self.headers.get("Host", "")
        if h.startswith("["):
            return h[: h.index("]") + 1]
        return h.split(":")[0]

    def reply(self, status, body=b"", headers=None):
        self.record(status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = os.path.normpath(urllib.parse.unquote(url.path)).lstrip("/")
        if path.startswith(".."):
            return self.reply(400)
        if path.startswith("basic/") and self.headers.get("Authorization") != "Basic dXNlcjpzZWNyZXQ=":
            return self.reply(401, b"unauthorized", {"WWW-Authenticate": "Basic realm=test"})
        if path.startswith("bearer/") and self.headers.get("Authorization") != "Bearer t0ken":
            return self.reply(401, b"unauthorized")
        base = os.path.join(self.root, self.host(), path if path != "." else "")
        if "ac-discovery=1" in url.query:
            page = os.path.join(base, "discovery.html")
            if not os.path.isfile(page):
                return self.reply(404)
            with open(page, "rb") as f:
                return self.reply(200, f.read(), {"Content-Type": "text/html"})
        if not os.path.isfile(base):
            return self.reply(404)
        with open(base, "rb") as f:
            body = f.read()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag}
        cc = base + ".cache-control"
        if os.path.isfile(cc):
            with open(cc) as f:
                headers["Cache-Control"] = f.read().strip()
        if self.headers.get("If-None-Match") == etag:
            return self.reply(304, b"", headers)
        headers["Content-Type"] = "application/octet-stream"
        return self.reply(200, body, headers)

    do_HEAD = do_GET


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--plain-port", type=int, default=-1, help="also serve plain http on this port")
    p.add_argument("--port-file", help="write the chosen port here")
    a = p.parse_args()
    Handler.root = a.root
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    if a.plain_port >= 0:
        import threading
        plain = http.server.ThreadingHTTPServer(("127.0.0.1", a.plain_port), Handler)
        threading.Thread(target=plain.serve_forever, daemon=True).start()
        if a.port_file:
            with open(a.port_file + ".plain.tmp", "w") as f:
                f.write(str(plain.server_address[1]))
            os.rename(a.port_file + ".plain.tmp", a.port_file + ".plain")
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(httpd.server_address[1]))
        os.rename(a.port_file + ".tmp", a.port_file)
    sys.stdout.flush()
    httpd.serve_forever()


if __name__ == "__main__":
    main()
