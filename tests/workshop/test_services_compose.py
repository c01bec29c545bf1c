"""compose/ is valid and describes the same topology as the local services, lab by lab."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from workshop.services import StackSpec

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose" / "docker-compose.yml"
LABS = range(1, 11)

# What each lab's stack runs (labs/README.md and docs/architecture.md).
STACKS = {
    1: StackSpec(app_servers=1, app_server="flask"),
    2: StackSpec(app_servers=1, app_server="gunicorn"),
    3: StackSpec(postgres=1, app_server="gunicorn"),
    4: StackSpec(postgres=1, nginx=True, app_servers=2, app_server="gunicorn"),
    5: StackSpec(postgres=1, redis=True, nginx=True, app_servers=2, app_server="gunicorn"),
    **{
        n: StackSpec(
            postgres=2 if n >= 9 else 1,
            redis=True,
            s3=n >= 7,
            nginx=True,
            app_servers=2,
            app_server="gunicorn",
            workers=1,
        )
        for n in (6, 7, 9, 10)
    },
    # Lab 08 needs PostgreSQL (next_id()) and one app server; labs 06 and 07 are not built yet.
    8: StackSpec(postgres=1, app_servers=1, app_server="gunicorn"),
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The parsed compose file."""
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def profile_spec(compose: dict[str, Any], lab: int) -> StackSpec:
    """The StackSpec that a compose profile describes, read from the services' role labels."""
    roles: list[str] = []
    kinds: set[str] = set()
    for service in compose["services"].values():
        if f"lab{lab:02d}" in service.get("profiles", []):
            labels = service.get("labels", {})
            roles.append(labels["workshop.role"])
            if labels["workshop.role"] == "app":
                kinds.add(labels["workshop.app_server"])
    assert len(kinds) <= 1, f"lab{lab:02d} mixes app servers: {kinds}"
    return StackSpec(
        postgres=roles.count("postgres"),
        redis="redis" in roles,
        s3="s3" in roles,
        nginx="nginx" in roles,
        app_servers=roles.count("app"),
        app_server=kinds.pop() if kinds else "flask",  # type: ignore[arg-type]
        workers=roles.count("worker"),
    )


def env_file(lab: int) -> dict[str, str]:
    """compose/env/labNN.env as a dict."""
    lines = (REPO / "compose" / "env" / f"lab{lab:02d}.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_every_service_is_well_formed(compose: dict[str, Any]) -> None:
    volumes = set(compose.get("volumes", {}))
    services = compose["services"]
    for name, service in services.items():
        assert isinstance(service.get("image"), str), f"{name}: no image"
        assert service.get("profiles"), f"{name}: no profile, it would start for every lab"
        for profile in service["profiles"]:
            assert re.fullmatch(r"lab(0[1-9]|10)", profile), f"{name}: bad profile {profile}"
        assert "workshop.role" in service.get("labels", {}), f"{name}: no workshop.role label"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith(".") or source in volumes, f"{name}: unknown volume {source}"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: publish on loopback only ({port})"


def test_published_ports_do_not_collide(compose: dict[str, Any]) -> None:
    for lab in LABS:
        published = [
            port.split(":")[1]
            for service in compose["services"].values()
            if f"lab{lab:02d}" in service["profiles"]
            for port in service.get("ports", [])
        ]
        assert len(published) == len(set(published)), f"lab{lab:02d}: {published}"


@pytest.mark.parametrize("lab", LABS)
def test_profile_matches_the_design(compose: dict[str, Any], lab: int) -> None:
    assert profile_spec(compose, lab) == STACKS[lab]


def test_profiles_match_the_manifest(compose: dict[str, Any]) -> None:
    manifest = tomllib.loads((REPO / "labs" / "labs.toml").read_text())
    checked = 0
    for entry in manifest["lab"]:
        if entry.get("stack"):
            # CPU budgets and durability are how a stack runs, not what it runs: compose
            # leaves them to Docker (`cpus:`) and to PostgreSQL's own defaults (durable).
            spec = replace(
                StackSpec.from_manifest(entry["stack"]),
                machine_cpu=0.0, database_cpu=0.0, durable=False,
            )  # fmt: skip
            assert profile_spec(compose, entry["number"]) == spec, f"lab {entry['number']}"
            checked += 1
    assert checked >= 1


@pytest.mark.parametrize("lab", LABS)
def test_env_file_matches_the_profile(compose: dict[str, Any], lab: int) -> None:
    spec, env = profile_spec(compose, lab), env_file(lab)
    assert env["PHOTOAPP_DATABASE_URL"].startswith("postgresql://" if spec.postgres else "sqlite:")
    assert len(env.get("PHOTOAPP_DATABASE_URLS", "").split(",")) == max(spec.postgres, 1)
    assert ("PHOTOAPP_REDIS_URL" in env) == spec.redis
    assert ("PHOTOAPP_S3_URL" in env) == spec.s3
    assert (env.get("PHOTOAPP_PROXY_HOPS") == "1") == spec.nginx
    assert env["PHOTOAPP_MEDIA_DIR"] == "/media" and env["PHOTOAPP_SECRET_KEY"]


def test_app_env_file_follows_the_lab(compose: dict[str, Any]) -> None:
    assert compose["x-app"]["env_file"] == ["env/lab${LAB:-10}.env"]
