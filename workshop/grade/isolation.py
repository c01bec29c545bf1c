"""What keeps grading runs apart: run accounts, cgroups, per-run folders, hidden folders.

Each run gets a folder of its own, built by the grader before the run starts:

    <run>/        root-owned, mode 0750, group of the run's account (0700 without root)
      repo/       the exported commit without solutions/ (tests, workshop, manifest): read-only
      repo/.workshop/  the one writable folder of repo/ (service state of the run)
      tree/       the app: reference deliverables of the other labs, the student's of this one
      work/       HOME, TMPDIR, pytest's basetemp, the results file: the run's, mode 0700

As root, each run runs as an account of its own (workshop-grade1, workshop-grade2, ... one per
run at once), in a cgroup of its own, chrooted in a mount namespace that shows it only the
system folders, Python and its own run folder (see view()): the grader's checkout, its git
objects, the pristine export, the staged submissions, the other runs and the reports are not
there. See labs/INSTRUCTORS.md for what this protects, and what it does not.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNT_PREFIX = "workshop-grade"
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_GROUP = "workshop-grade"
MAX_PIDS = 2048  # processes one run may have at once (a fork bomb stops there)
# What a run sees of the machine besides Python and its own folder, read-only: programs,
# libraries and their configuration (the servers the tests start live in /usr).
SYSTEM_FOLDERS = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc",
)
_NOT_COPIED = ("solutions", ".git", ".workshop", ".venv", "__pycache__", "*.pyc", "reports")


class IsolationError(RuntimeError):
    """The runs cannot be isolated as promised (a missing account, say)."""


@dataclass(frozen=True)
class Account:
    """A system account a run executes as."""

    name: str
    uid: int
    gid: int


def is_root() -> bool:
    """Tell whether the grader runs as root (and so isolates runs by account)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def run_accounts(count: int) -> list[Account]:
    """Return the accounts of `count` runs at once; [] when not root (runs are the grader's)."""
    if not is_root():
        return []
    names = [f"{ACCOUNT_PREFIX}{n}" for n in range(1, count + 1)]
    found, missing = [], []
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            missing.append(name)
            continue
        if entry.pw_uid == 0:
            raise IsolationError(f"the account {name} is root: it must be an unprivileged one")
        found.append(Account(name, entry.pw_uid, entry.pw_gid))
    if missing:
        raise IsolationError(
            f"grading as root runs each submission as an account of its own ({', '.join(missing)} "
            f"missing); create them: {create_accounts_command(count)}"
        )
    return found


def create_accounts_command(count: int) -> str:
    """Return the shell line that creates the run accounts."""
    return (
        f"for n in $(seq 1 {count}); do sudo useradd --system --user-group --no-create-home "
        f"--shell /usr/sbin/nologin {ACCOUNT_PREFIX}$n; done"
    )


def create_accounts(count: int) -> None:
    """Create the missing run accounts (as root); used by the grader's own tests."""
    for n in range(1, count + 1):
        name = f"{ACCOUNT_PREFIX}{n}"
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            continue
        subprocess.run(  # noqa: S603 - fixed argv
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--shell", "/usr/sbin/nologin", name],
            check=True, capture_output=True,
        )  # fmt: skip


@dataclass
class RunCgroup:
    """The cgroup folders of one run (cgroup v1 freezer and pids, or one v2 folder)."""

    folders: list[Path] = field(default_factory=list)

    @classmethod
    def create(cls) -> RunCgroup | None:
        """Make a run's cgroups where we may (root, Linux); None where we cannot."""
        if not is_root() or not sys.platform.startswith("linux"):
            return None
        name = f"run-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        folders = []
        for controller in ("freezer", "pids"):
            base = CGROUP_V1 / controller
            if not (base / "cgroup.procs").is_file():
                continue
            with contextlib.suppress(OSError):
                folder = base / CGROUP_GROUP / name
                folder.mkdir(parents=True)
                folders.append(folder)
        if not folders and (CGROUP_V1 / "cgroup.controllers").is_file():  # cgroup v2 only
            with contextlib.suppress(OSError):
                folder = CGROUP_V1 / CGROUP_GROUP / name
                folder.mkdir(parents=True)
                folders.append(folder)
        if not folders:
            return None
        cgroup = cls(folders)
        for folder in folders:
            if (folder / "pids.max").is_file():
                with contextlib.suppress(OSError):
                    (folder / "pids.max").write_text(str(MAX_PIDS))
        return cgroup

    def pids(self) -> set[int]:
        """Return every process in the run's cgroups."""
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
        return found

    def kill_all(self, patience: float = 10.0) -> None:
        """Kill every process of the run, frozen first so that none can fork meanwhile."""
        freezer = next((f for f in self.folders if (f / "freezer.state").is_file()), None)
        v2_kill = next((f for f in self.folders if (f / "cgroup.kill").is_file()), None)
        if v2_kill is not None:
            with contextlib.suppress(OSError):
                (v2_kill / "cgroup.kill").write_text("1")
        if freezer is not None:
            with contextlib.suppress(OSError):
                (freezer / "freezer.state").write_text("FROZEN")
                deadline = time.monotonic() + 1.0
                while (freezer / "freezer.state").read_text().strip() != "FROZEN":
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
        deadline = time.monotonic() + patience
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if freezer is not None:  # a frozen process dies of SIGKILL once thawed
                with contextlib.suppress(OSError):
                    (freezer / "freezer.state").write_text("THAWED")
            time.sleep(0.02)

    def remove(self) -> None:
        """Remove the (empty) cgroup folders."""
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()


@dataclass(frozen=True)
class RunFolder:
    """The folders of one run (see the module's docstring)."""

    path: Path
    account: Account | None

    @property
    def repo(self) -> Path:
        """The run's copy of the exported commit (read-only)."""
        return self.path / "repo"

    @property
    def tree(self) -> Path:
        """The app tree the tests import."""
        return self.path / "tree"

    @property
    def work(self) -> Path:
        """The run's own writable folder."""
        return self.path / "work"


def make_run_folder(path: Path, pristine: Path, account: Account | None) -> RunFolder:
    """Create a run's folder with repo/ copied from the pristine export and an empty work/."""
    path.mkdir(parents=True, mode=0o700)
    run = RunFolder(path, account)
    shutil.copytree(pristine, run.repo, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    state = run.repo / ".workshop"
    state.mkdir(mode=0o700)
    run.work.mkdir(mode=0o700)
    _give(state, account)
    _give(run.work, account)
    return run


def seal(run: RunFolder) -> None:
    """Make repo/ and tree/ read-only to the run, and the run folder its account's alone."""
    for top in (run.repo, run.tree):
        _read_only(top, skip=run.repo / ".workshop")
    if run.account is not None:
        os.chown(run.path, 0, run.account.gid)
        run.path.chmod(0o750)
    else:
        run.path.chmod(0o700)


def remove_run_folder(path: Path) -> None:
    """Delete a run's folder, read-only parts included."""
    if not path.exists():
        return
    if not is_root():  # without root a read-only folder keeps its entries: open them first
        for folder, dirnames, _ in os.walk(path):
            for name in dirnames:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(folder, name), 0o700, follow_symlinks=False)
        with contextlib.suppress(OSError):
            path.chmod(0o700)
    shutil.rmtree(path, ignore_errors=True)


def view(run: RunFolder, views: Path) -> dict[str, object]:
    """Return what a run sees of the machine (see launch.py): system folders, Python, itself.

    `views` is a root-only folder where the run's empty root folder is made.
    """
    root = views / uuid.uuid4().hex
    root.mkdir(parents=True, mode=0o755)
    python = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    binds: list[tuple[str, bool]] = [(folder, False) for folder in SYSTEM_FOLDERS]
    binds += [("/dev", True), ("/proc", True), ("/sys", False)]  # /proc: hidepid=2 (launch.py)
    binds += [(folder, False) for folder in sorted(python)]
    binds.append((str(run.path.resolve()), True))
    return {
        "root": str(root),
        "binds": binds,
        "tmpfs": ["/tmp", "/var/tmp", "/dev/shm", "/run"],
        "procfs": "/proc",
    }


def give_all(top: Path, account: Account | None) -> None:
    """Hand a folder and everything in it to the run's account."""
    if account is None:
        return
    for folder, dirnames, filenames in os.walk(top):
        for name in [*dirnames, *filenames]:
            os.chown(os.path.join(folder, name), account.uid, account.gid, follow_symlinks=False)
    os.chown(top, account.uid, account.gid)


def _give(path: Path, account: Account | None) -> None:
    """Hand a folder to the run's account."""
    if account is not None:
        os.chown(path, account.uid, account.gid)


def _read_only(top: Path, skip: Path) -> None:
    """Make every file under `top` read-only; as root the run's account does not own them."""
    root = is_root()
    for folder, _dirnames, filenames in os.walk(top, topdown=False):
        here = Path(folder)
        if here == skip or skip in here.parents:
            continue
        for name in filenames:
            path = here / name
            if not path.is_symlink():
                runs = path.stat().st_mode & 0o111
                path.chmod((0o755 if runs else 0o644) if root else (0o555 if runs else 0o444))
        if here != skip:
            here.chmod(0o755 if root else 0o555)
