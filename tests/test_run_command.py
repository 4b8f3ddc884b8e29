"""`gateway run` as a user starts it: one process with web, SMTP and jobs; Ctrl-C stops it."""

import json
import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.mailmaker import make_mail
from tests.netutil import free_port

GATEWAY = Path(sys.executable).with_name("gateway")


def wait_for_line(proc, text: str, timeout: float = 30) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"never printed {text!r}; got {''.join(lines)}")


def api(port: int, path: str, token: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_run_starts_everything_takes_mail_and_stops_on_ctrl_c(tmp_path):
    web, smtp = free_port(), free_port()
    env = dict(os.environ, GATEWAY_INSTANCE=str(tmp_path), GATEWAY_WEB_PORT=str(web),
               GATEWAY_SMTP_PORT=str(smtp), GATEWAY_DATABASE_URL="", GATEWAY_REDIS_URL="",
               GATEWAY_IMAP_MAILBOXES="", GATEWAY_OUTBOUND_SMTP="", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(GATEWAY), "run"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        banner = "".join(wait_for_line(proc, "Press Ctrl-C"))
        assert f"http://127.0.0.1:{web}/" in banner and f"127.0.0.1:{smtp}" in banner
        assert "first admin: admin@example.org" in banner
        token = subprocess.run([str(GATEWAY), "create-token", "admin@example.org"], env=env,
                               capture_output=True, text=True, check=True).stdout.split()[-1]
        with smtplib.SMTP("127.0.0.1", smtp, timeout=10) as client:
            client.sendmail("ravi.menon@example.com", ["support@example.org"],
                            make_mail("Wifi down on floor 2", "No wifi on floor 2 at all."))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tickets = api(web, "/api/v1/tickets", token)
            if tickets["total"]:
                break
            time.sleep(0.2)
        assert tickets["items"][0]["subject"] == "Wifi down on floor 2"
        outbox = api(web, "/api/v1/outbox", token)
        assert outbox["items"][0]["to"] == ["ravi.menon@example.com"]
        assert outbox["items"][0]["state"] == "captured"
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, rest
    assert "stopped." in rest
