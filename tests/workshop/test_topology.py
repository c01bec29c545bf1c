"""workshop/topology.py: the servers' own counters sampled during a run, and their SLOs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import psycopg
import pytest
import redis

from workshop import topology
from workshop.report import EndpointStats, LoadReport
from workshop.services import Stack, StackSpec
from workshop.slo import SloError


def at(t: float, hits: int | None, misses: int | None, xacts: int | None) -> topology.Sample:
    return topology.Sample(t, hits, misses, xacts)


def test_totals_count_growth_and_survive_a_restart():
    """Totals add each counter's growth; a counter that falls is a restarted server's."""
    totals = topology.Totals()
    for sample in [at(0, 100, 50, 1000), at(1, 190, 60, 1100), at(2, None, None, 1150),
                   at(3, 20, 30, 1250)]:  # Redis down at 2 s, back (counters from 0) at 3 s
        totals.add(sample)
    assert (totals.cache_hits, totals.cache_misses) == (90 + 20, 10 + 30)
    assert totals.db_transactions == 250
    assert totals.app_transactions == 250 - 3  # our own three samples after the first
    assert totals.hit_ratio == pytest.approx(110 / 150)
    assert totals.seconds == 3


def test_no_redis_means_no_hit_ratio():
    """Without Redis the hit ratio is unknown (NaN, None in JSON), not zero."""
    totals = topology.Totals()
    totals.add(at(0, None, None, 5))
    totals.add(at(1, None, None, 9))
    assert math.isnan(totals.hit_ratio)
    assert totals.as_dict()["hit_ratio"] is None and totals.as_dict()["db_transactions"] == 3


def aggregated(run: str, requests: int) -> EndpointStats:
    return EndpointStats(f"Aggregated ({run})", requests, 0, 10.0, 5.0, 9.0, 12.0, 20.0)


def write_totals(folder: Path, run: str, hit_ratio: float | None, transactions: int) -> None:
    (folder / run).mkdir(parents=True)
    figures = {"hit_ratio": hit_ratio, "db_transactions": transactions}
    (folder / run / topology.TOTALS_JSON).write_text(json.dumps(figures))


def test_judge_reads_each_runs_totals(tmp_path: Path):
    """Hit ratio from the run's topology.json; DB calls per request against the baseline's."""
    write_totals(tmp_path, "uncached", None, 4000)
    write_totals(tmp_path, "cached", 0.93, 500)
    report = LoadReport([aggregated("uncached", 2000), aggregated("cached", 2500)],
                        aggregated("all", 4500))
    slo = {
        "max_failure_ratio": 0.01,  # not ours: ignored
        "min_cache_hit_ratio": {"run": "cached", "min": 0.9},
        "max_db_calls_ratio": {"run": "cached", "baseline": "uncached", "max": 0.2},
    }
    hit, calls = topology.judge(slo, tmp_path, report)
    assert hit.passed and hit.measured == pytest.approx(0.93)
    assert calls.passed and calls.measured == pytest.approx((500 / 2500) / (4000 / 2000))
    assert "0.20 / 2.00" in calls.explanation


def test_judge_fails_what_was_not_measured(tmp_path: Path):
    """A run without topology figures fails its checks (NaN), it does not pass them."""
    report = LoadReport([aggregated("cached", 10)], aggregated("all", 10))
    slo = {"min_cache_hit_ratio": {"run": "cached", "min": 0.9}}
    (verdict,) = topology.judge(slo, tmp_path, report)
    assert not verdict.passed and "nan" in verdict.explanation
    with pytest.raises(SloError, match="min_cache_hit_ratio must be a table with run, min"):
        topology.judge({"min_cache_hit_ratio": 0.9}, tmp_path, report)


@pytest.mark.timeout(120)
def test_watched_samples_a_running_stack(tmp_path: Path):
    """Hits, misses and transactions made during the run are counted, into CSV and JSON."""
    spec = StackSpec(postgres=1, redis=True, app_servers=0)
    with Stack(spec, tmp_path / "tree", run_dir=tmp_path, quiet=True) as stack:
        assert stack.redis is not None
        folder = tmp_path / "report" / "cached"
        with topology.watched(stack, folder, every_s=0.2) as totals, redis.Redis.from_url(
            stack.redis.url
        ) as client, psycopg.connect(stack.postgres[0].dsn(), autocommit=True) as conn:
            client.set("a", "1")
            for _ in range(30):
                client.get("a")
            for _ in range(10):
                client.get("missing")
            for _ in range(25):
                conn.execute("SELECT 1")
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.execute("SELECT 1")
    assert (totals.cache_hits, totals.cache_misses) == (30, 10)
    assert 25 <= totals.app_transactions <= 40
    figures = topology.read(folder)
    assert figures is not None and figures["hit_ratio"] == pytest.approx(0.75)
    rows = (folder / topology.SAMPLES_CSV).read_text().splitlines()
    assert rows[0] == "unix_time,cache_hits,cache_misses,db_transactions" and len(rows) >= 3
