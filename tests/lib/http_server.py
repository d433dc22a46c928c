#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small HTTP server for the --fetch tests: http_server.py DIR PORTFILE

Binds 127.0.0.1 on a free port, writes the port to PORTFILE, and serves
the files of DIR (a request line in absolute form, as a client sends to
a proxy, is served too and logged as proxied). Paths under these
prefixes misbehave on purpose:
  /slow/     answers after 60 seconds
  /huge/     announces and streams 8 MiB
  /garbage/  answers 200 with text that is no certificate
  /loop/     redirects to itself
Every request is appended to DIR/requests.log ("proxied PATH" or "PATH"),
and exactly as received to DIR/requests.raw: the request line and each
header line, then an empty line. The server stops by itself after 600
seconds.
"""
import http.server
import os
import sys
import threading
import time
from urllib.parse import urlsplit

ROOT, PORTFILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path, proxied = self.path, False
        if path.startswith("http://"):
            path, proxied = urlsplit(path).path, True
        with open(os.path.join(ROOT, "requests.log"), "a") as log:
            log.write(("proxied " if proxied else "") + path + "\n")
        with open(os.path.join(ROOT, "requests.raw"), "a", newline="") as raw:
            raw.write(self.raw_requestline.decode("latin-1"))
            for name, value in self.headers.raw_items():
                raw.write("%s: %s\r\n" % (name, value))
            raw.write("\r\n")
        if path.startswith("/slow/"):
            time.sleep(60)
        if path.startswith("/loop/"):
            self.send_response(302)
            # Absolute, as OpenSSL's client wants it; the same URL again and again.
            self.send_header("Location", "http://%s%s" % (self.headers.get("Host", "127.0.0.1"), path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/huge/"):
            size = 8 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-cert")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"\x30" * 65536
            try:
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path.startswith("/garbage/"):
            body = b"this is not a certificate\n"
        else:
            file = os.path.join(ROOT, os.path.basename(path))
            if not os.path.isfile(file):
                self.send_error(404)
                return
            with open(file, "rb") as f:
                body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-cert")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
threading.Timer(600, server.shutdown).start()
server.serve_forever()
