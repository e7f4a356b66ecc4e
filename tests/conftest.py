"""Shared test set-up: no progress bars, no network for any test, and one-thread torch on request."""

import contextlib
import errno
import os
import socket

import pytest
import torch

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
        # what a real unreachable network raises (urllib wraps it in URLError, an OSError too)
        raise OSError(errno.ENETUNREACH, f"network access is blocked in tests (tried to connect to {address!r})")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@contextlib.contextmanager
def _torch_threads(count):
    threads = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def one_thread():
    """Run one test with torch on one CPU thread."""
    with _torch_threads(1):
        yield


@pytest.fixture(scope="module")
def one_thread_module():
    """Run a whole module with torch on one CPU thread (``pytestmark = pytest.mark.usefixtures(...)``).

    Tiny models and tensors gain nothing from threads, and on a busy 2-core machine OpenMP spinning
    made them up to 20x slower.
    """
    with _torch_threads(1):
        yield
