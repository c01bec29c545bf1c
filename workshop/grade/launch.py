"""Start one grading run fenced in, and make sure nothing of it outlives it.

The grader runs this file as `python -I -S launch.py SPEC -- COMMAND...`: the standard library
only, so that as root it imports nothing a submission could have written. SPEC is JSON:

- cgroups: cgroup folders whose cgroup.procs this process joins; everything it starts inherits
  them, and the grader kills whatever is in them at the end;
- view: what the run sees of the machine, in a mount namespace of the run's own (see
  _build_view): the system folders, Python, the run's own folder; nothing else;
- uid, gid: the account the command runs as (null: stay who we are);
- private_network: a network namespace of its own, with only a loopback interface;
- fsize: the largest file any process of the run may write.

The launcher stays as the command's parent and a child subreaper: a process that double-forks
and calls setsid() is re-parented to it, not to init. When the command ends, or the grader sends
SIGTERM, it kills every process left below it, then exits with the command's status.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import resource
import signal
import socket
import struct
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
FAILED_TO_START = 126  # the exit code when the command could not even be started

_libc = ctypes.CDLL(None, use_errno=True)


class _Stop(Exception):
    """The grader asked the run to stop (SIGTERM)."""


def main(argv: list[str]) -> int:
    """Start the command as SPEC says, wait for it, sweep what it left; return its status."""
    if len(argv) < 4 or argv[2] != "--":
        print("usage: launch.py SPEC -- COMMAND...", file=sys.stderr)
        return 2
    spec = json.loads(argv[1])
    command = argv[3:]
    for folder in spec.get("cgroups", []):
        with open(os.path.join(folder, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # the grader died: stop the run too

    def stop(signum: int, frame: object) -> None:
        raise _Stop

    signal.signal(signal.SIGTERM, stop)
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            _enter(spec)
            os.execvp(command[0], command)
        except BaseException as exc:  # noqa: BLE001 - report anything, then leave
            os.write(2, f"grader: could not start the run: {exc}\n".encode())
        os._exit(FAILED_TO_START)
    status = None
    with contextlib.suppress(_Stop):
        status = _wait(child)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the sweep must finish
    if status is None:
        _kill(child)
        status = _wait(child)
    sweep()
    if os.WIFSIGNALED(status):  # die the same way, so the grader reads the same status
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):  # those two have no handler to reset
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    return os.waitstatus_to_exitcode(status)


def _enter(spec: dict[str, object]) -> None:
    """In the child: build the run's view of the machine, cap file sizes, become its account."""
    if spec.get("private_network"):
        _private_network()
    view = spec.get("view")
    if isinstance(view, dict):
        _build_view(view)
    fsize = spec.get("fsize")
    if isinstance(fsize, int):
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    uid, gid = spec.get("uid"), spec.get("gid")
    if isinstance(uid, int) and isinstance(gid, int):
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid program gives the privileges back


def _private_network() -> None:
    """Give the run a network of its own: a loopback interface and nothing else.

    Its servers (PostgreSQL trusts every local connection) are then out of reach of every
    other run, and the run has no network beyond the machine.
    """
    _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
        fcntl.ioctl(sock, SIOCSIFFLAGS, request)  # up: the kernel gives it 127.0.0.1/8, ::1


def _build_view(view: dict[str, object]) -> None:
    """Chroot into a tmpfs holding only what the run needs, bound at the same paths.

    view: {"root": an empty folder, "binds": [[path, writable], ...], "tmpfs": [path, ...],
    "procfs": "/proc"}: binds at the same paths, fresh tmpfs folders, a /proc with hidepid=2.
    Everything not bound (the grader's checkout, the other runs, the reports, every home) is
    simply not there. Mounts live in a namespace of the run's own and vanish with it.
    """
    root = str(view["root"])
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    _check(_libc.mount(b"tmpfs", root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755"),
           f"mount tmpfs on {root}")  # fmt: skip
    binds: list[list[object]] = view["binds"]  # type: ignore[assignment]
    fresh_dirs: list[str] = view["tmpfs"]  # type: ignore[assignment]
    mounts = [(str(path), bool(writable), False) for path, writable in binds]
    mounts += [(str(path), True, True) for path in fresh_dirs]
    procfs = view.get("procfs")
    for path, writable, fresh in sorted(mounts, key=lambda m: len(m[0])):
        target = root + path
        if path == procfs:  # a /proc of its own that shows only the run account's processes
            os.makedirs(target, exist_ok=True)
            _check(_libc.mount(b"proc", target.encode(), b"proc", MS_NOSUID | MS_NODEV,
                               b"hidepid=2"), "mount proc")  # fmt: skip
            continue
        if fresh:
            os.makedirs(target, exist_ok=True)
            _check(_libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                               b"mode=1777"), f"mount tmpfs on {path}")  # fmt: skip
            continue
        if not os.path.lexists(path):
            continue
        if os.path.islink(path):  # /bin -> usr/bin on merged-/usr systems: the same link
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.lexists(target):
                os.symlink(os.readlink(path), target)
            continue
        if os.path.isdir(path):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
        _check(_libc.mount(path.encode(), target.encode(), None, MS_BIND | MS_REC, None),
               f"bind {path}")  # fmt: skip
        if not writable:
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
            _libc.mount(None, target.encode(), None, flags, None)  # best effort: ro on top
    cwd = os.getcwd()
    os.chroot(root)
    os.chdir(cwd)


def _wait(child: int) -> int:
    """Reap children (orphans re-parented to us too) until `child` ends; return its status."""
    while True:
        pid, status = os.wait()
        if pid == child:
            return status


def sweep(rounds: int = 300) -> None:
    """Kill and reap every process below this one, however deep, until none is left."""
    me = os.getpid()
    for _ in range(rounds):
        below = descendants(me)
        if not below:
            break
        for pid in below:
            _kill(pid)
        _reap()
        time.sleep(0.01)
    _reap()


def descendants(ancestor: int) -> list[int]:
    """Return the processes whose chain of parents leads to `ancestor` (from /proc)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [ancestor]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def _reap() -> None:
    """Collect every child that has ended."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill(pid: int) -> None:
    """SIGKILL one process, ignoring one already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def _prctl(option: int, value: int) -> None:
    """Call prctl(2); a kernel that lacks the option leaves things as they are."""
    _libc.prctl(option, value, 0, 0, 0)


def _check(result: int, what: str) -> None:
    """Raise OSError with errno's text when a libc call failed."""
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
