"""`workshop demo` and `workshop run`: served, seeded over HTTP, stopped cleanly."""

from __future__ import annotations

import io
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.workshop.fake_repo import REPO, make_fake_repo, workshop
from workshop.seed import draw_photo
from workshop.services.ports import free_port, port_is_free


def test_drawn_photos_are_varied_not_blank():
    first = Image.open(io.BytesIO(draw_photo(random.Random(1), "ada", "First snow")))
    second = Image.open(io.BytesIO(draw_photo(random.Random(2), "ada", "First snow")))
    assert first.format == "JPEG" and first.size == (800, 600)
    colours = first.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 500, "a blank or flat image"
    assert first.tobytes() != second.tobytes()


@pytest.mark.timeout(300)  # sixty uploads through Pillow; slow on a busy machine
def test_demo_serves_the_reference_seeds_it_and_stops():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PHOTOAPP_IMPL"}
    done = subprocess.run(
        [sys.executable, "-m", "workshop", "demo", "--port", str(port), "--exit-after-seed"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Seeded 30 users, 60 photos" in done.stdout
    assert f"running at http://127.0.0.1:{port}" in done.stdout
    assert "log in as demo / demo-password" in done.stdout
    [data] = [line for line in done.stdout.splitlines() if line.strip().startswith("data: ")]
    assert "temporary folder" in data and "workshop-demo-" in data, data  # the real folder
    assert port_is_free(port), "the demo server must stop with the command"


def test_demo_refuses_a_taken_port():
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        env = {k: v for k, v in os.environ.items() if k != "PHOTOAPP_IMPL"}
        done = subprocess.run(
            [sys.executable, "-m", "workshop", "demo", "--port", str(port), "--exit-after-seed"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2
    assert f"workshop: port {port} is taken" in done.stderr


def test_run_of_an_unfinished_workspace_says_which_stub_stopped_it(tmp_path: Path):
    repo = make_fake_repo(tmp_path / "repo")
    (repo / "photoapp" / "__init__.py").write_text(
        "def create_app():\n"
        "    raise NotImplementedError('Lab 01: write SqliteRepository (see labs/01-a)')\n"
    )
    done = workshop(repo, "run", "--port", str(free_port()), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "workshop: the app did not start: NotImplementedError: Lab 01" in done.stderr
