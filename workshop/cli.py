"""The `workshop` command: one subcommand per thing a student, instructor or presenter does."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from workshop import manifest as manifest_module
from workshop.manifest import Manifest, ManifestError
from workshop.services.errors import ServiceError
from workshop.trees import TreeError

Handler = Callable[[argparse.Namespace, Manifest], int]
USAGE_ERROR = 2
LAB_HELP = "the lab's number, e.g. 3"
EXAMPLES = """examples:
  workshop check 1               lab 01's graded tests against your code
  workshop hint 1                the next hint of lab 01
  workshop run                   your app in a browser (one box, SQLite)
  workshop catchup 3             official files of labs 01-02, to start lab 03
  workshop services up --lab 3   lab 03's servers (PostgreSQL, Gunicorn), left running
  workshop services status       what runs where; `workshop services down` stops it all
  workshop load 4 --quick        lab 04's load run, SLOs judged
  workshop status                where you are in the ten labs
"""


def _version() -> str:
    """The installed version of the workshop."""
    try:
        return importlib.metadata.version("scaling-photo-app")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; errors are one line with the fix and exit code 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["grade"]:
            # The grader owns its options (workshop/grade); parse them with its own parser.
            return _grade(argv[1:])
        parser = build_parser()
        args = parser.parse_args(argv)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return USAGE_ERROR
        return handler(args, manifest_module.load())
    except (ManifestError, ServiceError, TreeError) as error:
        print(f"workshop: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("\nworkshop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `workshop services status --json | head`: the reader is gone, and that is fine.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand."""
    parser = argparse.ArgumentParser(
        prog="workshop",
        description="Scaling a photo app in ten labs: the workshop tool.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("demo", help="the finished app (reference) with demo users and photos")
    p.add_argument("--lab", type=int, help="run lab N's stack (default: the one-box app)")
    p.add_argument("--port", type=int, help="port of the one-box app (default 5000 if free)")
    p.add_argument("--exit-after-seed", action="store_true", help="seed, print the URL, stop")
    p.set_defaults(handler=_demo)

    p = sub.add_parser("run", help="your workspace's app, served locally")
    p.add_argument("--lab", type=int, help="run lab N's stack (default: the one-box app)")
    p.add_argument("--port", type=int, help="port of the one-box app (default 5000 if free)")
    p.add_argument("--seed", action="store_true", help="add demo users and photos first")
    p.set_defaults(handler=_run)

    p = sub.add_parser("check", help="lab N's graded tests, short output, a hint per failure")
    p.add_argument("lab", type=int, help=LAB_HELP)
    _impl_option(p)
    p.add_argument("--previous", action="store_true", help="also run the earlier labs' tests")
    p.add_argument("-k", dest="keyword", metavar="EXPR", help="only the tests matching EXPR")
    p.add_argument("--full", action="store_true", help="also print pytest's full output")
    p.set_defaults(handler=_check)

    p = sub.add_parser("status", help="all labs: passed, failing, not started")
    p.set_defaults(handler=_status)

    p = sub.add_parser("hint", help="lab N's hints, one at a time")
    p.add_argument("lab", type=int, help=LAB_HELP)
    p.add_argument("--all", action="store_true", help="show every hint")
    p.add_argument("--reset", action="store_true", help="start again from the first hint")
    p.set_defaults(handler=_hint)

    p = sub.add_parser("catchup", help="official files of labs before N into your workspace")
    p.add_argument("lab", type=int, help="the lab you want to start: labs before it are filled")
    p.add_argument("--dry-run", action="store_true", help="only list what would be replaced")
    p.set_defaults(handler=_catchup)

    p = sub.add_parser("services", help="start/stop the real servers lab N needs")
    p.add_argument(
        "action",
        choices=["up", "down", "status", "stop", "start"],
        help="up: start lab N's stack and leave it running; status: what runs where; down: stop "
        "it all; stop NAME / start NAME: one server of it (postgres1, redis, app1 ...)",
    )
    p.add_argument("name", nargs="?", help="the server to stop or start, as status names it")
    p.add_argument(
        "--only",
        metavar="KINDS",
        help="up: start only these kinds of the lab's servers, e.g. postgres or postgres,redis",
    )
    p.add_argument("--lab", type=int, help="whose stack (default: the newest ready lab)")
    _impl_option(p)
    p.add_argument("--json", action="store_true", help="print machine-readable status")
    p.set_defaults(handler=_services)

    p = sub.add_parser("load", help="lab N's Locust scenario against lab N's stack; SLOs judged")
    p.add_argument("lab", type=int, help=LAB_HELP)
    _impl_option(p)
    p.add_argument("--quick", action="store_true", help="a short run")
    p.add_argument("--ui", action="store_true", help="Locust's web UI instead of headless")
    p.set_defaults(handler=_load)

    # Listed for --help only: main() hands `workshop grade ...` to the grader's own parser.
    sub.add_parser("grade", help="batch grading of submissions (instructors)")

    p = sub.add_parser("ids", help="lab 08: decode, make, switch and benchmark snowflake ids")
    ids = p.add_subparsers(title="ids commands", metavar="ACTION", required=True)
    q = ids.add_parser("decode", help="time (UTC, ms), shard and sequence of each id")
    q.add_argument("ids", nargs="+", metavar="ID")
    q.set_defaults(handler=_ids, tool_args=lambda a: ["decode", *a.ids])
    q = ids.add_parser("make", help="the id of a time, shard and sequence")
    q.add_argument("--at", help="ISO time with zone, e.g. 2011-09-09T22:28:04.721Z (default: now)")
    q.add_argument("--shard", type=int, default=1)
    q.add_argument("--sequence", type=int, default=0)
    q.set_defaults(handler=_ids, tool_args=_make_args)
    q = ids.add_parser("switch", help="PostgreSQL: new users and photos get next_id()'s ids")
    q.add_argument("database_url", help="e.g. postgresql://postgres@127.0.0.1:5432/photoapp")
    q.add_argument("--shard", type=int, default=1, help="the shard whose next_id() numbers rows")
    q.set_defaults(handler=_ids_switch)
    q = ids.add_parser("bench", help="ids/s of SnowflakeIds and next_id() against the limit")
    q.add_argument("--database-url", help="a PostgreSQL with the app's tables (default: start one)")
    q.add_argument("--count", type=int, default=300_000, help="Python ids per process")
    q.add_argument("--sql-count", type=int, default=100_000, help="ids per PostgreSQL connection")
    _impl_option(q)
    q.set_defaults(handler=_ids_bench)

    p = sub.add_parser("selfcheck", help="reference passes; starters fail for the right reason")
    p.add_argument("--labs", help="e.g. 1 or 1-3 (default: every ready lab)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="also demand that later labs pass when lab N is a starter (see workshop/selfcheck.py)",
    )
    p.add_argument("--jobs", type=int, default=1, help="test runs at once (default: 1)")
    p.add_argument(
        "--mutants",
        action="store_true",
        help="grade the wrong versions of tests/mutants like submissions; report the share caught",
    )
    p.add_argument("--mutant", action="append", default=[], help="only this mutant (repeatable)")
    p.set_defaults(handler=_selfcheck)
    return parser


def _impl_option(parser: argparse.ArgumentParser) -> None:
    """Add --impl workspace|reference|starter|PATH."""
    parser.add_argument(
        "--impl",
        default="workspace",
        help="workspace (default), reference, starter (the deliverables as last committed: "
        "the stubs in a fresh clone), or a folder holding a copy of the repo",
    )


def _demo(args: argparse.Namespace, manifest: Manifest) -> int:
    """Serve the reference with a seeded world."""
    from workshop.demo import demo

    return demo(manifest, args.lab, args.port, args.exit_after_seed)


def _run(args: argparse.Namespace, manifest: Manifest) -> int:
    """Serve the student's workspace."""
    from workshop.demo import run

    return run(manifest, args.lab, args.port, args.seed)


def _check(args: argparse.Namespace, manifest: Manifest) -> int:
    """Run a lab's graded tests."""
    from workshop.check import check

    return check(manifest, args.lab, args.impl, args.previous, args.keyword, args.full)


def _status(args: argparse.Namespace, manifest: Manifest) -> int:
    """Print the table of labs."""
    from workshop.status import status

    return status(manifest)


def _hint(args: argparse.Namespace, manifest: Manifest) -> int:
    """Show a lab's next hint."""
    from workshop.hints import hint

    return hint(manifest, args.lab, show_all=args.all, reset=args.reset)


def _catchup(args: argparse.Namespace, manifest: Manifest) -> int:
    """Lay official files of earlier labs over the workspace."""
    from workshop.catchup import catchup

    return catchup(manifest, args.lab, dry_run=args.dry_run)


def _services(args: argparse.Namespace, manifest: Manifest) -> int:
    """Start, stop or show the detached servers of a lab."""
    from workshop import services
    from workshop.trees import resolve_impl

    if args.action == "down":
        stopped = services.stop_detached()
        print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
        return 0
    if args.action == "status":
        return _print_status(services.detached_status(), args.json)
    if args.action in ("stop", "start"):
        if not args.name:
            raise ServiceError(f"name the server: `workshop services {args.action} postgres1`")
        if args.action == "stop":
            services.stop_server(args.name)
            print(f"stopped {args.name}; `workshop services start {args.name}` starts it again")
            return 0
        return _print_status(services.start_server(args.name), args.json)
    lab = _default_lab(manifest, args.lab)
    spec = services.StackSpec.from_manifest(lab.stack)
    if args.only:
        spec = _only(spec, args.only)
    tree = resolve_impl(args.impl, manifest.root)
    print(f"Starting lab {lab.tag}'s stack on --impl {args.impl} ...", file=sys.stderr)
    status = services.start_detached(spec, tree)
    _print_status(status, args.json)
    if not args.json:
        print("Stop them with `workshop services down`.")
    return 0


# The kinds of server `services up --only` may name, and how each is left out of a stack.
_LEFT_OUT: dict[str, dict[str, Any]] = {
    "postgres": {"postgres": 0},
    "redis": {"redis": False},
    "s3": {"s3": False},
    "nginx": {"nginx": False},
    "app": {"app_servers": 0},
    "worker": {"workers": 0},
}


def _only(spec: Any, kinds: str) -> Any:
    """The lab's stack with only the named kinds of server (the rest left out)."""
    import dataclasses

    wanted = {kind.strip() for kind in kinds.split(",") if kind.strip()}
    unknown = sorted(wanted - set(_LEFT_OUT))
    if unknown or not wanted:
        raise ServiceError(f"--only {kinds}: name some of {', '.join(_LEFT_OUT)}")
    changes: dict[str, Any] = {}
    for kind, left_out in _LEFT_OUT.items():
        if kind not in wanted:
            changes.update(left_out)
    return dataclasses.replace(spec, **changes)


def _print_status(status: dict[str, Any], as_json: bool) -> int:
    """Print the detached stack's status as a table or JSON; 0 when it runs."""
    if as_json:
        print(json.dumps(status, indent=2))
        return 0 if status.get("running") else 1
    if not status.get("servers"):
        print("no services are running (start them with `workshop services up --lab N`)")
        return 1
    print(f"tree: {status.get('tree')}  started: {status.get('started_at')}")
    if status.get("machines"):
        print(f"machines: {status['machines']}")
    servers = status["servers"]
    name_width = max(len(s["name"]) for s in servers)
    url_width = max(len(s.get("url") or "") for s in servers)
    for server in servers:
        state = "up" if server.get("up") else "DOWN"
        url = server.get("url") or ""
        name = server["name"]
        print(f"  {state:<5} {name:<{name_width}}  {url:<{url_width}}  pid {server['pid']}")
    if status.get("base_url"):
        print(f"app: {status['base_url']}")
    return 0 if status.get("running") else 1


def _load(args: argparse.Namespace, manifest: Manifest) -> int:
    """Run a lab's load test (workshop/load.py)."""
    manifest.ready_lab(args.lab)
    if importlib.util.find_spec("workshop.load") is None:
        raise ManifestError("`workshop load` is not installed in this checkout (workshop/load.py)")
    from workshop.load import main as load_main

    result: int = load_main(args.lab, args.impl, args.quick, args.ui)
    return result


def _grade(argv: list[str]) -> int:
    """Parse `workshop grade` options with the grader's parser and run it."""
    if importlib.util.find_spec("workshop.grade") is None:
        raise ManifestError("`workshop grade` is not installed in this checkout (workshop/grade)")
    import workshop.grade as grade

    result: int = grade.main(grade_parser().parse_args(argv))
    return result


def grade_parser() -> argparse.ArgumentParser:
    """The parser of `workshop grade`, which the grader's own module describes."""
    import workshop.grade as grade

    parser = argparse.ArgumentParser(
        prog="workshop grade", description="Grade a class's submissions, lab by lab."
    )
    grade.add_arguments(parser)
    return parser


def _make_args(args: argparse.Namespace) -> list[str]:
    """The arguments of `ids make` for photoapp.ids_tool."""
    at = ["--at", args.at] if args.at else []
    return ["make", *at, "--shard", str(args.shard), "--sequence", str(args.sequence)]


def _ids(args: argparse.Namespace, manifest: Manifest) -> int:
    """Decode or make ids with the workspace's photoapp/ids_tool.py (lab 08)."""
    try:
        from photoapp.ids_tool import main as ids_main

        result: int = ids_main(args.tool_args(args))
    except NotImplementedError as error:
        print(f"workshop: {error}", file=sys.stderr)
        return USAGE_ERROR
    return result


def _ids_switch(args: argparse.Namespace, manifest: Manifest) -> int:
    """Install next_id() and make it the default of users.id and photos.id (idempotent)."""
    from photoapp.backends.ids_postgres import switch_to_snowflake_ids

    try:
        report = switch_to_snowflake_ids(args.database_url, args.shard)
    except (NotImplementedError, RuntimeError, ValueError) as error:
        print(f"workshop: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(f"new users and photos now get ids from shard_{report.shard:04d}.next_id();"
          f" {report.small_users} users and {report.small_photos} photos keep their small ids")
    return 0


def _ids_bench(args: argparse.Namespace, manifest: Manifest) -> int:
    """Measure ids/s of lab 08's generators (workshop/idbench.py)."""
    from workshop import idbench
    from workshop.trees import resolve_impl

    tree = resolve_impl(args.impl, manifest.root)
    sys.path.insert(0, str(tree))  # children and this process import the chosen tree
    for name in [n for n in sys.modules if n == "photoapp" or n.startswith("photoapp.")]:
        del sys.modules[name]
    if args.database_url:
        return idbench.bench(args.database_url, args.count, args.sql_count)
    return idbench.bench_on_own_postgres(tree, args.count, args.sql_count)


def _selfcheck(args: argparse.Namespace, manifest: Manifest) -> int:
    """Check every lab against its reference and starter."""
    from workshop.selfcheck import selfcheck

    numbers = manifest_module.parse_lab_range(args.labs) if args.labs else None
    if args.mutants:
        from workshop.selfcheck import selfcheck_mutants

        return selfcheck_mutants(manifest, numbers, jobs=max(args.jobs, 2), only=args.mutant)
    return selfcheck(manifest, numbers, strict=args.strict, jobs=args.jobs)


def _default_lab(manifest: Manifest, number: int | None) -> manifest_module.Lab:
    """Return lab `number`, or the newest ready lab."""
    if number is not None:
        return manifest.ready_lab(number)
    ready = manifest.ready_labs()
    if not ready:
        raise ManifestError("no lab is ready yet")
    return ready[-1]
