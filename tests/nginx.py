"""Debian's nginx as a round-robin reverse proxy for tests: a config of its own in a temp dir, not a daemon.

Everything nginx writes (pid, logs, temp files) stays in that directory, it
listens on a free loopback port, and ``stop()`` ends it: the machine's own
nginx (if any) is left alone.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import requests

from tests.helpers import free_port

NGINX = "/usr/sbin/nginx"
# The proxy headers of deploy/nginx.conf (a test checks that the sample keeps them).
PROXY_HEADERS = ("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header X-Forwarded-Proto $scheme;")

CONFIG = """\
daemon off;
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr';
    access_log {dir}/access.log upstream;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream quiz_app {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://quiz_app;
            proxy_set_header Host $host:$server_port;
            {headers}
        }}
    }}
}}
"""


class Nginx:
    """nginx in the foreground in ``directory``, proxying round-robin to the given ``host:port`` upstreams."""

    def __init__(self, directory: Path, upstreams: list[str]):
        self.dir = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Run as root, nginx hands requests to workers as "nobody", who could not enter a private temp dir.
        user = "user root;" if os.geteuid() == 0 else ""
        servers = "\n".join(f"        server {u};" for u in upstreams)
        self.conf = directory / "nginx.conf"
        self.conf.write_text(CONFIG.format(user=user, dir=directory, servers=servers, port=self.port,
                                           headers="\n            ".join(PROXY_HEADERS)))
        # -e: the error log before the config is read (else nginx tries /var/log/nginx); -p: no default prefix.
        self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(directory),
                                      "-e", str(directory / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited early: " + self.error_log()[-2000:])
            try:
                requests.get(self.url + "/api/v1/csrf", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not start: " + self.error_log()[-2000:])

    def error_log(self) -> str:
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def upstreams_used(self) -> set[str]:
        """The upstream addresses that answered requests, from the access log."""
        path = self.dir / "access.log"
        text = path.read_text() if path.exists() else ""
        return {word.split("=", 1)[1] for line in text.splitlines() for word in line.split()
                if word.startswith("upstream=")}

    def stop(self) -> None:
        self.proc.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
