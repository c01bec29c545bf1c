"""Free loopback ports, and whether something answers on one."""

from __future__ import annotations

import socket
import threading
import time

HOST = "127.0.0.1"

# Ports this process handed out: two servers of one process never get the same port, even
# before either has bound it.
_given: set[int] = set()
_lock = threading.Lock()


def port_is_free(port: int) -> bool:
    """Return True when no socket listens on 127.0.0.1:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: connections of a previous run in TIME_WAIT don't count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def wait_port_free(port: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for a port to be free (a killed server lets go of it late)."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def free_port() -> int:
    """Return a loopback port the kernel says is free and this process never gave out."""
    with _lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((HOST, 0))
                port = int(sock.getsockname()[1])
            if port not in _given and port_is_free(port):
                _given.add(port)
                return port
    raise OSError("no free loopback port found")


def port_answers(port: int, timeout: float = 0.25) -> bool:
    """Return True when a TCP connection to 127.0.0.1:port succeeds."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False
