"""`workshop check N`: run a lab's graded tests, print short results with hints, save progress."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workshop import progress
from workshop.manifest import Lab, Manifest, ManifestError
from workshop.results import TestResult
from workshop.testrun import TestRun, run_pytest
from workshop.trees import resolve_impl

PASS, FAIL, SKIP = "✓", "✗", "-"
NAME_WIDTH = 64
_NAMED = ("workspace", "reference", "starter")


def check(
    manifest: Manifest,
    number: int,
    impl: str = "workspace",
    previous: bool = False,
    keyword: str | None = None,
    full: bool = False,
) -> int:
    """Run lab `number`'s tests (and earlier labs' with previous); return the exit code.

    keyword: only the tests pytest's -k selects (progress is then not saved: a partial run).
    full: print pytest's own output too, tracebacks and all.
    """
    target = manifest.ready_lab(number)
    labs = [lab for lab in manifest.ready_labs() if lab.number < number] if previous else []
    labs.append(target)
    for lab in labs:
        if not (manifest.root / lab.tests_dir).is_dir():
            raise ManifestError(f"{lab.tests_dir} is missing: lab {lab.number} has no tests yet")
    resolve_impl(impl, manifest.root)  # a bad --impl is one clear line, before pytest starts
    where = "" if impl == "workspace" else f" against --impl {impl}"
    print(f"Checking lab{'s' if len(labs) > 1 else ''} {', '.join(x.tag for x in labs)}{where}")
    run = run_pytest(
        [lab.tests_dir for lab in labs],
        impl,
        root=manifest.root,
        extra_args=["-k", keyword] if keyword else [],
        progress="running tests",
    )
    if full:
        print(run.output)
    if run.crashed:
        return _explain_crash(run, manifest.root)
    all_green = True
    for lab in labs:
        mine = [r for r in run.results if _belongs(r, lab)]
        all_green &= _report_lab(lab, mine)
        if keyword:
            continue  # a few tests say nothing about the whole lab
        progress.record_check(
            lab.number,
            progress.CheckRecord(
                passed=sum(r.outcome == "passed" for r in mine),
                total=len(mine),
                when=progress.now_iso(),
                impl=impl if impl in _NAMED else str(Path(impl).resolve()),
                failed=tuple(r.name for r in mine if r.outcome in ("failed", "error")),
            ),
            manifest.root,
        )
    print(f"({run.seconds:.1f}s)")
    _next_step(manifest, target, all_green, run, impl)
    return 0 if all_green else 1


def _belongs(result: TestResult, lab: Lab) -> bool:
    """Tell whether a result comes from a lab's test folder."""
    return result.nodeid == lab.tests_dir or result.nodeid.startswith(lab.tests_dir + "/")


def _report_lab(lab: Lab, found: list[TestResult]) -> bool:
    """Print one line per test and the reason and hint of each failure; True if all passed."""
    print(f"\nlab {lab.tag} · {lab.title}")
    last_reason = None
    for result in found:
        name = result.nodeid.removeprefix(lab.tests_dir + "/")  # keeps subfolders, if any
        mark = {"passed": PASS, "skipped": SKIP}.get(result.outcome, FAIL)
        failed = result.outcome in ("failed", "error")
        # A starter fails every test with the same stub: say it once, not sixty times.
        same = failed and bool(result.message) and result.message == last_reason
        suffix = "  (the same reason)" if same else ""
        print(f"  {mark} {name:<{NAME_WIDTH}} {result.duration:6.2f}s{suffix}")
        if failed and not same:
            last_reason = result.message
            print(f"      {result.message or 'failed without a message: see the log'}")
            hint = result.hint or f"`workshop hint {lab.number}` gives the lab's hints"
            print(f"      hint: {hint} — {lab.guide}")
        elif result.outcome == "skipped" and result.message:
            print(f"      skipped: {result.message}")
    passed = sum(r.outcome == "passed" for r in found)
    print(f"lab {lab.tag}: {passed}/{len(found)} passed")
    return bool(found) and passed == len(found)


def _next_step(manifest: Manifest, lab: Lab, green: bool, run: TestRun, impl: str) -> None:
    """Tell the student what to do next."""
    log = _save_log(run, manifest.root, lab)
    if not green:
        failures = [r for r in run.results if r.outcome in ("failed", "error") and _belongs(r, lab)]
        failures.sort(key=_guide_order(manifest, lab))
        failing = failures[0].name if failures else None
        first = f"start with {failing}; " if failing else ""
        print(
            f"next: {first}read {lab.guide}; stuck? `workshop hint {lab.number}`. "
            f"Full pytest output: {log}"
        )
        return
    following = next((x for x in manifest.labs if x.number > lab.number), None)
    then = ""
    if following is not None:
        state = following.guide if following.ready else "not ready yet"
        then = f", then lab {following.tag} ({state})"
    if impl == "workspace":
        print(
            f"next: all green! Try it with `workshop run --lab {lab.number}`, measure it with "
            f"`workshop load {lab.number} --quick`{then}."
        )
    else:
        print(f"all green against --impl {impl}.")


def _guide_order(manifest: Manifest, lab: Lab) -> Callable[[TestResult], int]:
    """Sort results by where the guide first names their test file: its steps' order."""
    try:
        guide = manifest.guide_path(lab).read_text(encoding="utf-8")
    except OSError:
        guide = ""

    def position(result: TestResult) -> int:
        found = guide.find(result.name.split("::", 1)[0])
        return found if found >= 0 else len(guide)

    return position


def _explain_crash(run: TestRun, root: Path) -> int:
    """Pytest could not run the tests at all: show the end of its output."""
    tail = "\n".join(run.output.rstrip().splitlines()[-25:])
    print(tail)
    print(f"workshop: pytest could not run the tests (exit code {run.returncode}); see above")
    return 2


def _save_log(run: TestRun, root: Path, lab: Lab) -> Path:
    """Keep pytest's full output of the last check under .workshop/logs/."""
    path = root / ".workshop" / "logs" / f"check-{lab.tag}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(run.output, encoding="utf-8")
    return path.relative_to(root)
