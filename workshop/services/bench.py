"""Time the lab 09 topology coming up and going down: python -m workshop.services.bench"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from workshop.services.sampletree import write_sample_tree
from workshop.services.spec import StackSpec
from workshop.services.stack import Stack

FULL = StackSpec(
    postgres=2, redis=True, s3=True, nginx=True, app_servers=2, app_server="gunicorn", workers=1
)


def main(argv: list[str] | None = None) -> None:
    """Bring the full stack up and down `--runs` times and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tree", type=Path, help="tree to run (default: a stand-in app)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--verbose", action="store_true", help="show each server coming up")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as tmp:
        tree = args.tree or write_sample_tree(Path(tmp))
        for run in range(1, args.runs + 1):
            stack = Stack(FULL, tree, quiet=not args.verbose)
            began = time.monotonic()
            stack.start()
            up = time.monotonic() - began
            began = time.monotonic()
            stack.stop()
            down = time.monotonic() - began
            print(
                f"run {run}: up {up:.1f} s, down {down:.1f} s, total {up + down:.1f} s "
                f"(2 postgres, redis, s3 {stack.s3.kind if stack.s3 else '-'}, nginx, "
                f"2 gunicorn, 1 worker)",
                flush=True,
            )


if __name__ == "__main__":
    main()
