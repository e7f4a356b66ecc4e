"""Shared test set-up: no progress bars, and no network for any test."""

import os
import socket

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(autouse=True)
def no_network(monkeypatch, request):
    """Forbid outbound connections: the offline default must never reach the internet.

    Loopback stays allowed (Jupyter kernels talk to pytest over 127.0.0.1; the browser tests serve
    pages locally). Mark a test ``@pytest.mark.allow_network`` to opt out.
    """
    if request.node.get_closest_marker("allow_network"):
        return
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127.") or self.family == socket.AF_UNIX):
            return real_connect(self, address)
        raise RuntimeError(f"network access is blocked in tests (tried to connect to {address!r})")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
