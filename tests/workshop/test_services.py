"""The services harness: each server starts, serves, stops and leaves nothing behind."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from workshop.services import ServiceError, Stack, StackSpec, binaries, process
from workshop.services.pids import is_alive
from workshop.services.sampletree import write_sample_tree

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str) -> tuple[int, str]:
    """GET a URL; return status and body."""
    try:
        with _opener.open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """Wait until none of `pids` runs; return those still alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(is_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if is_alive(p)]


def group_pids(pid: int) -> list[int]:
    """Every process in the process group `pid` leads (gunicorn workers, postgres backends)."""
    found: list[int] = []
    if not Path("/proc").is_dir():  # macOS: the leaders' own checks have to do
        return found
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[2]) == pid and stat[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A stand-in app tree: /healthz, /env, an RQ job, an nginx template, a gunicorn config."""
    return write_sample_tree(tmp_path / "tree")


def all_pids(stack: Stack) -> list[int]:
    """The pids of a stack's servers and of everything in their process groups."""
    pids = []
    for server in stack.servers:
        assert server.pid is not None
        pids += [server.pid, *group_pids(server.pid)]
    return pids


# --- spec --------------------------------------------------------------------------------------


def test_spec_from_manifest_fills_defaults() -> None:
    spec = StackSpec.from_manifest({"postgres": 2, "redis": True, "app_server": "gunicorn"})
    assert spec == StackSpec(postgres=2, redis=True, app_server="gunicorn")
    assert StackSpec.from_manifest(None) == StackSpec()


@pytest.mark.parametrize(
    "table, message",
    [
        ({"postgress": 1}, "unknown key(s) postgress"),
        ({"app_server": "uwsgi"}, "app_server must be"),
        ({"workers": 1}, "workers need redis"),
        ({"postgres": -1}, "postgres must be"),
    ],
)
def test_spec_rejects_bad_tables(table: dict[str, object], message: str) -> None:
    with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        StackSpec.from_manifest(table)


def test_missing_binary_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(binaries, "_EXTRA_DIRS", ())
    with pytest.raises(ServiceError, match=r"redis-server not found: sudo apt-get install redis"):
        binaries.find("redis-server")


# --- one server at a time ----------------------------------------------------------------------


def test_postgres_url_is_a_fresh_empty_database(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)
        conn.execute("CREATE TABLE t (id int)")
    assert postgres_url.startswith("postgresql://")


def test_two_postgres_clusters_run_side_by_side(tmp_path: Path) -> None:
    import psycopg

    with Stack(StackSpec(postgres=2, app_servers=0), tmp_path, run_dir=tmp_path, quiet=True) as st:
        first, second = (p.dsn() for p in st.postgres)
        assert first != second
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("CREATE TABLE only_here (id int)")
        with psycopg.connect(second) as conn:
            assert conn.execute("SELECT to_regclass('only_here')").fetchone() == (None,)
        assert st.env["PHOTOAPP_DATABASE_URL"] == first
        assert st.urls()["postgres"] == [first, second]
        pids = all_pids(st)
    assert wait_gone(pids) == []


def test_redis_url_is_flushed(redis_url: str) -> None:
    import redis

    with redis.Redis.from_url(redis_url) as client:
        assert client.dbsize() == 0
        client.set("left", "behind")


def test_s3_bucket_stores_objects(s3_bucket: object) -> None:
    from tests.plugins.services import S3Bucket

    assert isinstance(s3_bucket, S3Bucket)
    client = s3_bucket.client()
    assert client.list_objects_v2(Bucket=s3_bucket.bucket).get("KeyCount") == 0
    client.put_object(Bucket=s3_bucket.bucket, Key="a.jpg", Body=b"jpeg")
    body = client.get_object(Bucket=s3_bucket.bucket, Key="a.jpg")["Body"].read()
    assert body == b"jpeg"
    assert s3_bucket.kind in ("minio", "moto", "external")
    assert s3_bucket.verifies_signatures == (s3_bucket.kind != "moto")
    assert s3_bucket.env()["PHOTOAPP_S3_BUCKET"] == s3_bucket.bucket


@pytest.mark.parametrize("kind", ["flask", "gunicorn"])
def test_app_server_runs_the_tree_with_the_stack_settings(
    tree: Path, tmp_path: Path, kind: str
) -> None:
    spec = StackSpec(app_servers=2, app_server=kind)  # type: ignore[arg-type]
    with Stack(spec, tree, {"PHOTOAPP_EXTRA": "x"}, run_dir=tmp_path, quiet=True) as stack:
        assert stack.base_url == stack.app_servers[0].url
        names = [json.loads(get(a.url + "/healthz")[1])["instance"] for a in stack.app_servers]
        assert names == ["app1", "app2"]
        status, body = get(stack.base_url + "/env")
        env = json.loads(body)
        assert env["PHOTOAPP_DATABASE_URL"].startswith("sqlite:////")
        assert env["PHOTOAPP_DATABASE_URL"].endswith("/photoapp.db")
        assert Path(env["PHOTOAPP_MEDIA_DIR"]).is_dir()
        assert env["PHOTOAPP_SECRET_KEY"] == stack.env["PHOTOAPP_SECRET_KEY"]
        assert len(env["PHOTOAPP_SECRET_KEY"]) >= 32
        assert env["PHOTOAPP_EXTRA"] == "x"
        pids = all_pids(stack)
        if kind == "gunicorn":
            assert len(pids) > 2  # the masters and their workers
    assert wait_gone(pids) == []


def test_killed_app_server_is_down_and_restarts_on_its_port(tree: Path, tmp_path: Path) -> None:
    with Stack(StackSpec(app_server="gunicorn"), tree, run_dir=tmp_path, quiet=True) as stack:
        app = stack.app_servers[0]
        port, pid = app.port, app.pid
        assert pid is not None
        workers = group_pids(pid)
        app.kill()
        assert not app.is_running()
        assert wait_gone(workers) == []
        app.start()
        assert app.is_running() and app.port == port and app.pid != pid
        assert get(app.url + "/healthz")[0] == 200
        app.stop()
        assert not app.is_running()


def test_nginx_balances_and_serves_static_and_media(tree: Path, tmp_path: Path) -> None:
    spec = StackSpec(nginx=True, app_servers=2)
    with Stack(spec, tree, run_dir=tmp_path, quiet=True) as stack:
        assert stack.nginx is not None and stack.base_url == stack.nginx.url
        seen = {json.loads(get(stack.base_url + "/healthz")[1])["instance"] for _ in range(8)}
        assert seen == {"app1", "app2"}
        assert get(stack.base_url + "/static/hello.txt") == (200, "hello from static\n")
        media = Path(stack.env["PHOTOAPP_MEDIA_DIR"])
        (media / "p.txt").write_text("a photo")
        assert get(stack.base_url + "/media/p.txt") == (200, "a photo")
        stack.app_servers[0].kill()  # failover: nginx moves on to app2
        assert all(get(stack.base_url + "/healthz")[0] == 200 for _ in range(4))
        config = stack.nginx.config_path.read_text()
        assert stack.app_servers[1].address in config
        pids = all_pids(stack)
    assert wait_gone(pids) == []


def test_nginx_template_errors_are_clear(tree: Path, tmp_path: Path) -> None:
    (tree / "deploy" / "nginx.conf").write_text("listen {{ no_such_variable }};")
    with pytest.raises(ServiceError, match="no_such_variable"):
        Stack(StackSpec(nginx=True), tree, run_dir=tmp_path, quiet=True).start()


def test_rq_worker_runs_a_job(tree: Path, tmp_path: Path) -> None:
    import redis
    from rq import Queue

    marker = tmp_path / "marker.txt"
    spec = StackSpec(redis=True, app_servers=0, workers=1)
    with Stack(spec, tree, run_dir=tmp_path, quiet=True) as stack:
        assert stack.redis is not None and stack.urls()["worker"] == 1
        with redis.Redis.from_url(stack.redis.url) as conn:
            Queue(connection=conn).enqueue("photoapp.jobs.write_marker", str(marker), "done")
            deadline = time.monotonic() + 20
            while not marker.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        assert marker.read_text() == "done from worker1"
        pids = all_pids(stack)
    assert wait_gone(pids) == []


# --- failures -----------------------------------------------------------------------------------


def test_an_app_that_fails_to_start_shows_its_log(tree: Path, tmp_path: Path) -> None:
    (tree / "photoapp" / "__init__.py").write_text(
        "def create_app(settings=None):\n    raise RuntimeError('boom: bad settings')\n"
    )
    stack = Stack(StackSpec(redis=True, app_server="gunicorn"), tree, run_dir=tmp_path, quiet=True)
    with pytest.raises(ServiceError, match="boom: bad settings"):
        stack.start()
    assert all(not s.is_running() for s in stack.servers)
    assert stack.redis is not None and stack.redis.pid is not None
    assert wait_gone([stack.redis.pid]) == []
    assert list(tmp_path.glob("*/owner.json")) == []


def test_a_port_collision_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        given = iter([port])
        real = process.free_port
        # The first port handed out is taken, and the pre-spawn check is fooled into missing it:
        # the server itself must fail with "address in use" and the harness must move on.
        monkeypatch.setattr(process, "free_port", lambda: next(given, None) or real())
        monkeypatch.setattr(process, "port_is_free", lambda p: True)
        with Stack(
            StackSpec(redis=True, app_servers=0), tmp_path, run_dir=tmp_path, quiet=True
        ) as stack:
            assert stack.redis is not None
            assert stack.redis.port != port
            with redis.Redis.from_url(stack.redis.url) as client:
                assert client.ping()
            assert "Address already in use" in stack.redis.log_path.read_text()


def test_a_port_taken_before_spawn_is_avoided(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        given = iter([port])
        real = process.free_port
        monkeypatch.setattr(process, "free_port", lambda: next(given, None) or real())
        with Stack(
            StackSpec(redis=True, app_servers=0), tmp_path, run_dir=tmp_path, quiet=True
        ) as stack:
            assert stack.redis is not None and stack.redis.port != port


def test_minio_is_preferred_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workshop.services import s3

    monkeypatch.setattr(s3, "optional", lambda name: "/opt/bin/minio" if name == "minio" else None)
    server = s3.S3Server("s3", tmp_path)
    assert server.kind == "minio" and server.verifies_signatures
    argv = server.command()
    assert argv[:2] == ["/opt/bin/minio", "server"] and argv[-2:] == ["--address", server.address]
    env = server.environment()
    assert env["MINIO_ROOT_USER"] == server.access_key
    assert env["MINIO_ROOT_PASSWORD"] == server.secret_key and len(server.secret_key) >= 8


def test_nginx_render_fills_a_template_for_containers(tree: Path, tmp_path: Path) -> None:
    from workshop.services import nginx_render

    out = tmp_path / "rendered" / "nginx.conf"
    nginx_render.main(
        [str(tree / "deploy" / "nginx.conf"), str(out), "--app", "app1:8000", "--app",
         "app2:8000", "--listen", "0.0.0.0:80", "--prefix", str(tmp_path / "prefix")]
    )  # fmt: skip
    text = out.read_text()
    assert "server app1:8000" in text and "server app2:8000" in text
    assert "listen 0.0.0.0:80;" in text
    assert f"proxy_temp_path {tmp_path / 'prefix' / 'temp' / 'proxy'};" in text


def test_stop_is_idempotent_and_with_accepts_a_started_stack(tmp_path: Path) -> None:
    stack = Stack(StackSpec(redis=True, app_servers=0), tmp_path, run_dir=tmp_path, quiet=True)
    stack.start()
    with stack:
        assert stack.redis is not None and stack.redis.is_running()
    stack.stop()
    assert stack.redis is not None and not stack.redis.is_running()
    assert list(tmp_path.glob("*/owner.json")) == []


def _guide_commands(guide: Path, first: str) -> list[str]:
    """The `$ ...` lines of the guide's console block that starts with `first` (continuations
    joined, comments dropped)."""
    text = guide.read_text()
    block = text[text.index(f"$ {first}") :].split("```", 1)[0]
    commands: list[str] = []
    pending = ""
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            pending = line[2:]
        elif pending:
            pending += " " + line
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].strip()
            continue
        commands.append(pending.split("  #", 1)[0].strip())
        pending = ""
    return commands


def test_the_lab04_guide_renders_and_checks_a_config_as_an_unprivileged_user() -> None:
    """Step 0's two commands on the reference; `nginx -t` as a user who is not root.

    (As root, the render runs as root: the venv's Python may sit in root's home.)
    """
    import pwd
    import tempfile

    from workshop.manifest import repo_root

    root = repo_root()
    commands = _guide_commands(root / "labs/04-load-balancing/README.md", "python -m workshop")
    render = next(c for c in commands if "nginx_render" in c)
    check = next(c for c in commands if c.startswith("nginx -t"))
    template = root / "solutions" / "deploy" / "nginx.conf"
    user = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    # Not under pytest's tmp_path, which only its owner may enter.
    with tempfile.TemporaryDirectory(prefix="lab04-guide-") as tmp:
        work = Path(tmp) / "lab04"
        _run_from_guide(render, work, template, root, None)
        if user is not None:
            for path in [work.parent, work, *work.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
        done = _run_from_guide(check, work, template, root, user)
        rendered = (work / "nginx.conf").read_text()
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr
    assert "listen 127.0.0.1:8080;" in rendered


def _run_from_guide(command: str, work: Path, template: Path, root: Path, user: Any) -> Any:
    """Run one command of the guide with our folder for /tmp/lab04, as `user` when given."""
    import shlex
    import subprocess

    from workshop.services.binaries import find

    argv = shlex.split(command.replace("/tmp/lab04", str(work)))
    argv = [str(template) if a == "deploy/nginx.conf" else a for a in argv]
    argv[0] = find("nginx") if argv[0] == "nginx" else sys.executable
    done = subprocess.run(
        argv, cwd=root, capture_output=True, text=True, timeout=60,
        user=user.pw_uid if user else None, group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
    )  # fmt: skip
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    return done


def test_nginx_that_refuses_its_config_says_why_in_one_line_and_keeps_the_file(
    tmp_path: Path,
) -> None:
    """The [emerg] line, with the rendered line itself, first; the rendered file outlives the
    stack so the student can open it at that line."""
    tree = write_sample_tree(tmp_path / "tree")
    config = tree / "deploy" / "nginx.conf"
    good = "client_max_body_size {{ max_body_size }};"
    config.write_text(config.read_text().replace(good, good[:-1] + " 20m;"))
    stack = Stack(StackSpec(nginx=True, app_servers=1), tree, run_dir=tmp_path / "run", quiet=True)
    with pytest.raises(ServiceError) as caught:
        stack.start()
    first = str(caught.value).splitlines()[0]
    assert first.startswith('nginx did not start: invalid number of arguments in "client_max_')
    kept = Path(first.split(" at line 12 of ", 1)[1].split(":", 1)[0])
    assert first.endswith(": client_max_body_size 10m 20m;")
    assert "client_max_body_size 10m 20m;" in kept.read_text()


def test_a_template_error_names_the_template_line(tmp_path: Path) -> None:
    """A misspelt variable on line 3 says line 3, so the student opens the right place."""
    from workshop.services.nginx import render_template

    template = tmp_path / "nginx.conf"
    template.write_text("events {}\nhttp {\n    listen {{ lisen }};\n}\n")
    with pytest.raises(ServiceError, match=r"nginx\.conf, line 3: 'lisen' is undefined"):
        render_template(template, {"listen": "127.0.0.1:8080"})
