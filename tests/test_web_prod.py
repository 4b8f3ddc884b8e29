"""`gateway web --prod` serves the app with gunicorn, and a TERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.imap_server import free_port

GATEWAY = os.path.join(os.path.dirname(sys.executable), "gateway")


def test_prod_web_serves_with_gunicorn_workers(tmp_path):
    port = free_port()
    env = dict(os.environ, GATEWAY_ENV="production", GATEWAY_SECRET_KEY="s" * 40,
               GATEWAY_INSTANCE=str(tmp_path), GATEWAY_WEB_PORT=str(port),
               GATEWAY_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
               GATEWAY_REDIS_URL="", GATEWAY_WEB_WORKERS="2")
    log = tmp_path / "web.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([GATEWAY, "web", "--prod"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/healthz", process, log)
        assert b"ok" in body.lower()
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/report", timeout=5).status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    text = log.read_text(errors="replace")
    assert "gunicorn" in text.lower() and text.count("Booting worker") == 2


def _get_when_up(url: str, process: subprocess.Popen, log) -> bytes:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer: {log.read_text(errors='replace')}")
