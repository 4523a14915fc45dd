"""nginx as the gateway's peer: one unprivileged worker from a generated config.

Debian's nginx (``scripts/ensure-nginx.sh`` installs it when absent) runs from a throwaway prefix
under the bench state directory; the package's own service and configuration are never used.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harness import HOST, STATE_DIR, get

from streetlevel.testing._proc import free_port, pid_alive, terminate

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: Run as this account when the benchmark runs as root (the worker never runs as root).
UNPRIVILEGED = "nobody"

CONFIG = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 100000;
    upstream service {{
        server {upstream};
        keepalive 64;
        keepalive_requests 100000;
        # uvicorn closes connections idle for 5 s: let nginx drop them first.
        keepalive_timeout 4s;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    """A running nginx: its URL, its master's pid and its one worker's pid."""

    url: str
    master: int
    worker: int
    prefix: Path
    version: str

    def stop(self) -> None:
        terminate(self.master, timeout=20)
        shutil.rmtree(self.prefix, ignore_errors=True)


def _version() -> str:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def start(upstream_url: str, limit_s: float = 20) -> Nginx:
    """Start nginx proxying everything to ``upstream_url``; returns once it answers."""
    if not os.path.exists(NGINX):
        raise RuntimeError("nginx is not installed: run scripts/ensure-nginx.sh")
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=STATE_DIR))
    port = free_port()
    parts = urlsplit(upstream_url)
    conf = prefix / "nginx.conf"
    conf.write_text(CONFIG.format(prefix=prefix, upstream=parts.netloc, host=HOST, port=port))
    user: str | None = None
    if os.geteuid() == 0:
        # Unprivileged as a whole: master and worker run as nobody, which owns the prefix.
        user = UNPRIVILEGED
        account = pwd.getpwnam(user)
        os.chown(prefix, account.pw_uid, account.pw_gid)
    cmd = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    with (prefix / "stdout.log").open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            user=user,
            group=None if user is None else pwd.getpwnam(user).pw_gid,
            extra_groups=[] if user is not None else None,
        )
    url = f"http://{HOST}:{port}"
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if not pid_alive(proc.pid):
            log = (prefix / "error.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"nginx exited at start:\n{log}")
        workers = _children(proc.pid)
        if workers and get(f"{url}/livez", timeout=2)[0] == 200:
            return Nginx(url, proc.pid, workers[0], prefix, _version())
        time.sleep(0.05)
    terminate(proc.pid, timeout=10)
    raise RuntimeError(f"nginx not answering within {limit_s:.0f}s")
