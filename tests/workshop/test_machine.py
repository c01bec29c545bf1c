"""Machines as CPU budgets: cgroup control files, and a real budget holding under load."""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from workshop.services import Stack, StackSpec
from workshop.services.machine import CpuControl, Machines, detect, session_members
from workshop.services.sampletree import write_sample_tree


def fake_v1(root: Path) -> Path:
    """A cgroup v1 layout with separate cpu and cpuacct hierarchies, as on this machine."""
    for name in ("cpu", "cpuacct"):
        (root / name).mkdir(parents=True)
    (root / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    (root / "cpuacct" / "cpuacct.usage").write_text("0\n")
    return root


def fake_v2(root: Path) -> Path:
    """A pure cgroup v2 layout whose root offers the cpu controller."""
    root.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text("\n")
    return root


def test_cgroup_v2_is_preferred_and_v1_found_otherwise(tmp_path: Path) -> None:
    v2 = detect(fake_v2(tmp_path / "v2"))
    v1 = detect(fake_v1(tmp_path / "v1"))
    assert (v2.kind, v2.cpu_dir) == ("cgroup2", tmp_path / "v2" / "photoapp-workshop")
    assert (v1.kind, v1.usage_dir) == ("cgroup1", tmp_path / "v1" / "cpuacct" / "photoapp-workshop")


def test_without_a_controller_budgets_say_why(tmp_path: Path) -> None:
    control = detect(tmp_path)
    machines = Machines("s1", 0.5, control)
    assert not control.available and not machines.enabled
    assert "unavailable" in machines.describe() and "cgroup" in machines.describe()
    machines.place("app1", os.getpid())  # a no-op, never an error
    assert machines.usage_s("app1") is None


def test_a_v2_budget_writes_cpu_max_and_reads_usage(tmp_path: Path) -> None:
    """cpu.max holds "quota period"; the group's cpu.stat gives the CPU it used."""
    root = fake_v2(tmp_path / "cg")
    machines = Machines("s1", 0.25, detect(root))
    machines._create("app1")  # the kernel would make the control files; the test plays kernel
    group = root / "photoapp-workshop" / "s1" / "app1"
    assert (group / "cpu.max").read_text() == "25000 100000"
    assert (root / "cgroup.subtree_control").read_text() == "+cpu"
    (group / "cpu.stat").write_text("usage_usec 1500000\nuser_usec 1000000\n")
    assert machines.usage_s("app1") == 1.5


def test_a_v1_budget_writes_quota_and_period(tmp_path: Path) -> None:
    root = fake_v1(tmp_path / "cg")
    machines = Machines("s1", 0.5, detect(root))
    machines._create("postgres1")
    group = root / "cpu" / "photoapp-workshop" / "s1" / "postgres1"
    assert (group / "cpu.cfs_quota_us").read_text() == "50000"
    assert (group / "cpu.cfs_period_us").read_text() == "100000"
    usage = root / "cpuacct" / "photoapp-workshop" / "s1" / "postgres1"
    (usage / "cpuacct.usage").write_text("2000000000\n")
    assert machines.usage_s("postgres1") == 2.0


def test_session_members_lists_the_children_of_a_session(tmp_path: Path) -> None:
    import subprocess

    leader = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run(['sleep', '5'])"],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 5
        while not session_members(leader.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(session_members(leader.pid)) == 1  # the sleep, not the leader itself
    finally:
        os.killpg(leader.pid, 9)
        leader.wait()


def real_control() -> CpuControl:
    """The machine's own controller; CI runs as root on Linux, where there must be one."""
    control = detect()
    if not control.available:
        if sys.platform.startswith("linux") and os.geteuid() == 0:
            pytest.fail(f"root on Linux, yet no CPU budgets: {control.reason}")
        pytest.skip(f"CPU budgets need root or a delegated cgroup: {control.reason}")
    return control


@pytest.mark.timeout(90)
def test_a_budget_caps_a_busy_server_and_goes_away_with_its_stack(tmp_path: Path) -> None:
    """Four clients keep a Gunicorn server busy; its whole tree gets about 0.3 CPU, no more."""
    control = real_control()
    tree = write_sample_tree(tmp_path / "tree")
    spec = StackSpec(app_servers=1, app_server="gunicorn", machine_cpu=0.3)
    with Stack(spec, tree, run_dir=tmp_path / "run", quiet=True) as stack:
        assert stack.machines is not None and stack.machines.enabled
        before = stack.machine_usage()["app1"]
        began = time.monotonic()

        def client() -> None:
            while time.monotonic() - began < 3:
                urllib.request.urlopen(stack.base_url + "/burn?ms=30", timeout=10).read()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        used = stack.machine_usage()["app1"] - before
        seconds = time.monotonic() - began
        members = {stack.app_servers[0].pid, *session_members(stack.app_servers[0].pid)}
        groups = stack.machines.groups["app1"]
        inside = {int(p) for p in (groups[0] / "cgroup.procs").read_text().split()}
    assert 0.15 * seconds < used < 0.3 * seconds * 1.25, f"{used:.2f} CPU s in {seconds:.1f} s"
    assert members <= inside, "every Gunicorn process (master and workers) is on the machine"
    assert not any(g.exists() for g in groups), "the stack's groups are removed when it stops"
    assert control.cpu_dir is not None


@pytest.mark.timeout(90)
def test_a_detached_stack_shows_its_budget_and_services_down_removes_it(tmp_path: Path) -> None:
    """`workshop services up` outlives its command; `services down` still cleans the groups."""
    from workshop.services import detached_status, start_detached, stop_detached

    control = real_control()
    tree = write_sample_tree(tmp_path / "tree")
    state = tmp_path / "services.json"
    spec = StackSpec(app_servers=1, app_server="gunicorn", machine_cpu=0.5)
    status = start_detached(spec, tree, state, run_dir=tmp_path / "run", quiet=True)
    assert control.cpu_dir is not None
    try:
        assert "0.5 CPU" in status["machines"] and "0.5 CPU" in detached_status(state)["machines"]
        [app1] = status["servers"]
        groups = [p for p in control.cpu_dir.glob("*/app1") if str(app1["pid"]) in
                  (p / "cgroup.procs").read_text().split()]
        assert len(groups) == 1, "the detached app server runs on its machine"
    finally:
        stop_detached(state)
    assert not groups[0].exists() and not groups[0].parent.exists()


def test_the_database_may_have_a_machine_of_its_own_size(tmp_path: Path) -> None:
    """database_cpu sizes PostgreSQL's machines; every other server keeps machine_cpu."""
    from workshop.services import ServiceError

    spec = StackSpec(postgres=1, machine_cpu=0.4, database_cpu=0.1)
    assert (spec.cpu_for("postgres"), spec.cpu_for("app"), spec.cpu_for("redis")) == (0.1, 0.4, 0.4)
    assert StackSpec(machine_cpu=0.4).cpu_for("postgres") == 0.4
    with pytest.raises(ServiceError, match="database_cpu needs machine_cpu"):
        StackSpec(database_cpu=0.1)
    root = fake_v1(tmp_path / "cg")
    machines = Machines("s1", 0.4, detect(root), database_cpus=0.1)
    machines._create("postgres1", cpus=0.1)
    quota = root / "cpu" / "photoapp-workshop" / "s1" / "postgres1" / "cpu.cfs_quota_us"
    assert quota.read_text() == "10000"
    assert "the database's at 0.1" in machines.describe()
