"""A real Dovecot IMAP server on loopback for tests: own config, own port, own temp folder.

Owns starting and stopping one throw-away Dovecot and seeding its mailboxes by
APPEND. It must never touch the system Dovecot (/etc/dovecot, port 143): every
path lives under a private temp folder and it listens on 127.0.0.1 only.
Without Dovecot installed a test skips locally and fails when CI is set
(install it with `apt-get install -y dovecot-imapd`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from imapclient import IMAPClient

SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Failed logins are delayed 2 s and anvil's penalty doubles that per failure up to 15 s:
# wrong-password tests would crawl. No delay and no penalty tracking here.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# Without this every mailbox command fails: "Mail access for users with UID N not permitted".
first_valid_uid = 1
{users_line}
mail_location = maildir:{root}/mail/%u
# Every user name logs in with one password: a passwd-file is re-read lazily, so users
# appended to it mid-run were sometimes refused. Each test takes a fresh user name.
passdb {{
  driver = static
  args = password={password} nodelay=yes
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def dovecot_binaries() -> tuple[str, str]:
    """Return the paths of `dovecot` and `doveadm`, skipping locally (failing in CI) if absent."""
    dovecot = shutil.which("dovecot", path=SBIN_PATH)
    doveadm = shutil.which("doveadm", path=SBIN_PATH)
    if dovecot and doveadm:
        return dovecot, doveadm
    message = "dovecot not installed (apt-get install -y dovecot-imapd)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    """One running Dovecot; add users, append mail and open clients against it."""

    def __init__(self, root: Path, port: int, password: str, doveadm: str,
                 process: subprocess.Popen):
        self.root, self.port, self.host, self.password = root, port, "127.0.0.1", password
        self._doveadm, self._process = doveadm, process

    def add_user(self) -> tuple[str, str]:
        """Return (user, password) of a fresh user whose maildir is still empty."""
        return f"support-{secrets.token_hex(4)}@example.org", self.password

    def url(self, user: str, password: str, folder: str = "INBOX") -> str:
        """Return the IMAP_MAILBOXES URL for a user (user and password percent-encoded)."""
        login = f"{quote(user, safe='')}:{quote(password, safe='')}"
        return f"imap://{login}@{self.host}:{self.port}/{quote(folder)}"

    @contextmanager
    def client(self, user: str, password: str) -> Iterator[IMAPClient]:
        """Yield a logged-in client; log out (and close the socket) afterwards."""
        with IMAPClient(self.host, self.port, ssl=False, timeout=10) as client:
            client.login(user, password)
            yield client

    def append(self, user: str, password: str, raw: bytes, folder: str = "INBOX",
               flags: tuple[bytes, ...] = ()) -> int:
        """APPEND raw bytes to a folder and return the new message's UID."""
        with self.client(user, password) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=flags)
        match = re.search(rb"APPENDUID \d+ (\d+)", response)
        assert match, response
        return int(match.group(1))

    def flags(self, user: str, password: str, folder: str = "INBOX") -> dict[int, set[bytes]]:
        """Return {UID: flags} of every message in a folder (read-only, sets no flag)."""
        with self.client(user, password) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search()
            data = client.fetch(uids, ["FLAGS"]) if uids else {}
        return {uid: set(item[b"FLAGS"]) for uid, item in data.items()}

    def stop(self) -> None:
        """Stop the master (SIGTERM is what `doveadm stop` sends, minus its 3 s wait)."""
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            subprocess.run([self._doveadm, "-c", str(self.root / "dovecot.conf"), "stop"],
                           check=False, capture_output=True, timeout=20)
            self._process.kill()
            self._process.wait(timeout=10)


def _write_config(root: Path, port: int, password: str) -> Path:
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        # Dovecot refuses UID 0 for mail access, so mail belongs to its own user.
        uid = gid = "dovecot"
        shutil.chown(root / "mail", "dovecot", "dovecot")
        users_line = ""
    else:
        uid, gid, me = str(os.getuid()), str(os.getgid()), _login_name()
        users_line = f"default_internal_user = {me}\ndefault_login_user = {me}"
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, uid=uid, gid=gid, password=password,
                                    users_line=users_line), encoding="utf-8")
    return config


def _login_name() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on port {port}")


@contextmanager
def running_dovecot(port: int | None = None, password: str | None = None
                    ) -> Iterator[DovecotServer]:
    """Start a private Dovecot on loopback (a free port by default); stop and remove it after.

    Every user name logs in with `password` (random by default); pass the `port` and
    `password` of a stopped server to "restart" it for reconnection tests.
    """
    dovecot, doveadm = dovecot_binaries()
    # Not under pytest's tmp_path: that is mode 0700 and the dovecot user must reach its maildir.
    root = Path(tempfile.mkdtemp(prefix="gateway-dovecot-"))
    root.chmod(0o755)
    port, password = port or free_port(), password or secrets.token_urlsafe(12)
    config = _write_config(root, port, password)
    with open(root / "stderr.log", "wb") as stderr:
        process = subprocess.Popen([dovecot, "-F", "-c", str(config)],
                                   stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
    server = DovecotServer(root, port, password, doveadm, process)
    try:
        _wait_listening(port, process, root / "stderr.log")
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
