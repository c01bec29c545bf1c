"""`workshop grade`: grade a class's submissions fairly, with reports instructors can use.

    workshop grade submissions/* --out grades/ --labs 1-4 --jobs 2

Each lab of each submission is its own pytest run over a tree holding the student's files for
that lab and the reference for every other lab, fenced in by sandbox.py. See
labs/INSTRUCTORS.md for running a class.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from workshop import manifest as manifest_module
from workshop.grade.batch import Plan, grade_class
from workshop.grade.isolation import IsolationError
from workshop.grade.runner import GradingError, Limits
from workshop.grade.submissions import SubmissionError
from workshop.trees import TreeError

DEFAULT_TEST_TIMEOUT_S = 30.0
DEFAULT_TIME_LIMIT_S = 300.0
DEFAULT_MAX_LOG_MB = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of `workshop grade` to a (sub)parser."""
    parser.add_argument(
        "submissions",
        nargs="*",
        metavar="SUBMISSION",
        help="a student's folder (a copy of the repository, or only their files at their "
        "repository paths), a zip of one, or a git repository URL or path (URL#branch)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where grades.csv, summary.md and <student>/results.json go",
    )
    parser.add_argument(
        "--labs", metavar="A-B", help="labs to grade, e.g. 1-4 or 1,3 (default: every ready lab)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        metavar="N",
        help="runs at once (default: 2; cores + 1 was fastest, see labs/INSTRUCTORS.md)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TEST_TIMEOUT_S,
        metavar="S",
        help=f"seconds per test (default: {DEFAULT_TEST_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT_S,
        metavar="S",
        help="seconds for one lab of one submission, all tests together "
        f"(default: {DEFAULT_TIME_LIMIT_S:g})",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="CSV with columns submission,student: names students, and lists "
        "those who sent nothing",
    )
    parser.add_argument(
        "--integrated",
        action="store_true",
        help="also grade each student's files all together (for information: "
        "not counted in the total)",
    )
    parser.add_argument(
        "--max-log-mb",
        type=float,
        default=DEFAULT_MAX_LOG_MB,
        metavar="MB",
        help=f"pytest output kept per run (default: {DEFAULT_MAX_LOG_MB:g})",
    )
    parser.add_argument(
        "--gradescope-package",
        type=Path,
        metavar="DIR",
        help="write a Gradescope autograder bundle for --labs into DIR (setup.sh, "
        "run_autograder, the committed repository) instead of grading",
    )
    parser.add_argument(
        "--scratch",
        type=Path,
        metavar="DIR",
        help="where runs build their trees (default: the system's temp folder)",
    )


def main(args: argparse.Namespace) -> int:
    """Run `workshop grade`; return the exit code (0 even when students fail tests)."""
    try:
        manifest = manifest_module.load()
        labs = _labs(manifest, args.labs)
        if args.gradescope_package is not None:
            from workshop.grade.gradescope import write_package

            made = write_package(args.gradescope_package, manifest.root, labs, args.jobs)
            print(f"Gradescope autograder in {made}: zip its contents and upload them")
            return 0
        if not args.submissions or args.out is None:
            print("workshop grade: give SUBMISSION... and --out DIR", file=sys.stderr)
            return 2
        plan = Plan(
            sources=args.submissions,
            labs=labs,
            out=args.out.resolve(),
            limits=Limits(args.timeout, args.time_limit, int(args.max_log_mb * 1024 * 1024)),
            jobs=args.jobs,
            integrated=args.integrated,
            roster=args.roster,
            scratch=args.scratch,
        )
        # SIGTERM (a closed terminal, a CI cancel) unwinds like Ctrl-C, so runs are stopped.
        signal.signal(signal.SIGTERM, _interrupt)
        grade_class(plan, manifest.root)
    except FileExistsError as exc:
        print(f"workshop grade: {exc}", file=sys.stderr)
        return 2
    except (
        manifest_module.ManifestError,
        SubmissionError,
        GradingError,
        TreeError,
        IsolationError,
    ) as exc:
        print(f"workshop grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workshop grade: interrupted; runs stopped, no report written", file=sys.stderr)
        return 130
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt in the main thread."""
    raise KeyboardInterrupt


def _labs(manifest: manifest_module.Manifest, text: str | None) -> list[manifest_module.Lab]:
    """Return the labs to grade: those asked for (each must be ready), else every ready lab."""
    if text is None:
        labs = manifest.ready_labs()
        if not labs:
            raise manifest_module.ManifestError("no lab is ready yet: nothing to grade")
        return labs
    return [manifest.ready_lab(n) for n in manifest_module.parse_lab_range(text)]
