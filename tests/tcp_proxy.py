"""A small TCP proxy for tests: forward a loopback port to a server, and cut it at will.

Lets a test make a shared server (the machine's PostgreSQL) unreachable for the app
alone: `cut()` closes every forwarded connection and the listening socket, so new
connections are refused as if the server were down; `stall()` accepts new
connections but never answers, like a hung server or a route that drops packets;
`restore()` forwards again on the same port. The real server is never touched.
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    """Forward 127.0.0.1:`port` to `target`, one pair of threads per connection."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stalled = False
        self.port = self._listen(0)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.cut()

    def cut(self) -> None:
        """Close the listener and every live connection: the server looks down."""
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        for sock in ([listener] if listener else []) + list(doomed):
            _close(sock)

    def stall(self) -> None:
        """Close live connections, then accept new ones and never say a word."""
        self.cut()
        self._stalled = True
        self._listen(self.port)

    def restore(self) -> None:
        """Forward again on the same port (nothing to do when already forwarding)."""
        if self._stalled:
            self.cut()
            self._stalled = False
        if self._listener is None:
            self._listen(self.port)

    def _listen(self, port: int) -> int:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener.getsockname()[1]

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            if self._stalled:
                with self._lock:
                    self._sockets.add(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut while we connected
                    _close(client)
                    _close(upstream)
                    return
                self._sockets |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(src, dst), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    """Copy bytes one way until either side closes, then close both."""
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        _close(src)
        _close(dst)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
