"""Faults in load runs (lab 04's chaos run), and the SLO checks that judge them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from workshop.compare import variants
from workshop.faults import FAULT_LOG, Fault, injected
from workshop.manifest import Lab, ManifestError
from workshop.report import EndpointStats, LoadReport
from workshop.services import Stack, StackSpec
from workshop.slo import judge
from workshop.trees import resolve_impl

WHERE = "labs/labs.toml, lab 4"


def stats(name: str, requests: int = 100, failures: int = 0, rps: float = 10.0) -> EndpointStats:
    """Figures of one endpoint."""
    return EndpointStats(name, requests, failures, rps, 10.0, 20.0, 30.0, 40.0)


def test_a_fault_is_read_from_its_table() -> None:
    """kill, at and restart_at become a Fault; restart_at may be left out."""
    table = {"kill": "app1", "at": 0.33, "restart_at": 0.5}
    assert Fault.from_table(table, WHERE) == Fault("app1", 0.33, 0.5)
    assert Fault.from_table({"kill": "app2", "at": 0.5}, WHERE) == Fault("app2", 0.5, None)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"at": 0.3}, "kill ="),
        ({"kill": "app1", "at": 0.3, "when": 2}, "unknown key"),
        ({"kill": "app1", "at": 1.5}, "0 < at"),
        ({"kill": "app1", "at": 0.5, "restart_at": 0.4}, "0 < at < restart_at"),
        ("app1", "kill ="),
    ],
)
def test_a_bad_fault_table_is_refused_with_the_reason(table: Any, message: str) -> None:
    """A broken fault table is a ManifestError saying what to write instead."""
    with pytest.raises(ManifestError, match=message):
        Fault.from_table(table, WHERE)


def test_a_compared_variant_may_carry_a_fault() -> None:
    """[[lab.load.compare]] entries accept a fault table; the others have none."""
    load = {
        "scenario": "loadtests/x.py",
        "compare": [
            {"name": "calm"},
            {"name": "chaos", "fault": {"kill": "app1", "at": 0.3, "restart_at": 0.6}},
        ],
    }
    lab = Lab(number=4, slug="04-x", title="x", stack={"app_servers": 2}, load=load)
    assert [v.fault for v in variants(lab)] == [None, Fault("app1", 0.3, 0.6)]


def test_get_failure_ratio_counts_only_get_requests() -> None:
    """Failed POSTs do not count against max_get_failure_ratio; failed GETs do."""
    report = LoadReport(
        [stats("GET /api/feed", 1000, 1), stats("POST /api/photos", 10, 5)],
        stats("Aggregated", 1010, 6),
    )
    (verdict,) = judge({"max_get_failure_ratio": 0.002}, report)
    assert verdict.passed and verdict.measured == pytest.approx(0.001)
    (verdict,) = judge({"max_get_failure_ratio": 0.0005}, report)
    assert not verdict.passed


def test_a_list_of_ratio_targets_gives_one_verdict_each() -> None:
    """min_rps_ratio = [{...}, {...}] judges both comparisons."""
    report = LoadReport(
        [stats("a", rps=10.0), stats("b", rps=5.0), stats("c", rps=1.0)], stats("Aggregated")
    )
    targets = [
        {"endpoint": "a", "baseline": "b", "min": 1.5},
        {"endpoint": "c", "baseline": "b", "min": 0.5},
    ]
    verdicts = judge({"min_rps_ratio": targets}, report)
    assert [v.passed for v in verdicts] == [True, False]


def test_no_fault_changes_nothing(tmp_path: Path) -> None:
    """Without a fault the run goes on untouched and nothing is written."""
    stack = Stack(StackSpec(app_servers=0), tmp_path)
    with injected(None, stack, run_time_s=1.0, folder=tmp_path) as log:
        pass
    assert log.events == []
    assert not (tmp_path / FAULT_LOG).exists()


@pytest.mark.timeout(180)
def test_a_killed_app_server_is_restarted_and_seen_back_behind_nginx(tmp_path: Path) -> None:
    """The fault kills app1, starts it again, and notices when Nginx sends it requests."""
    spec = StackSpec(nginx=True, app_servers=2)
    with (
        Stack(spec, resolve_impl("reference"), quiet=True) as stack,
        injected(Fault("app1", 0.1, 0.2), stack, run_time_s=4.0, folder=tmp_path) as log,
    ):
        deadline = time.monotonic() + 60
        while len(log.events) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)  # the "load run": the fault works on its own thread meanwhile
    events = [event["event"] for event in log.events]
    assert events == [
        "killed app1 (SIGKILL)",
        "app1 restarted",
        "Nginx sends app1 requests again",
    ], f"expected kill, restart and recovery, got {log.events}"
    assert json.loads((tmp_path / FAULT_LOG).read_text()) == log.events
