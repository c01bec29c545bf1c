"""The grader's outputs: grades.csv, <student>/results.json (Gradescope), summary.md, a table."""

from __future__ import annotations

import csv
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop.grade.scoring import LabGrade, StudentRecord, short_name

RECORD = "grade.json"
RESULTS = "results.json"
GRADES = "grades.csv"
SUMMARY = "summary.md"
TOP_FAILURES = 15


def save_record(out: Path, record: StudentRecord) -> None:
    """Write <out>/<student>/grade.json (ours, complete) and results.json (Gradescope's)."""
    folder = out / record.student
    folder.mkdir(parents=True, exist_ok=True)
    _write_json(folder / RECORD, record.to_dict())
    _write_json(folder / RESULTS, gradescope(record))


def load_records(out: Path) -> list[StudentRecord]:
    """Read every student's grade.json under `out`, so a re-graded student joins the class."""
    return [load_record(path) for path in sorted(out.glob(f"*/{RECORD}"))]


def load_record(path: Path) -> StudentRecord:
    """Read one grade.json."""
    return StudentRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))


def gradescope(record: StudentRecord) -> dict[str, Any]:
    """Return the record in Gradescope's results.json format."""
    tests = []
    for grade in _sorted(record.labs):
        tests += [_gradescope_test(grade, test_index, "") for test_index in range(len(grade.tests))]
    for grade in _sorted(record.integrated):
        # Shown for information: the score comes from the fair per-lab runs only.
        tests += [
            {**_gradescope_test(grade, i, "integrated · "), "score": 0.0, "max_score": 0.0}
            for i in range(len(grade.tests))
        ]
    lines = [
        f"Lab {g.lab:02d}: {_num(g.score)}/{_num(g.max_score)} {_state(g)}".rstrip()
        for g in _sorted(record.labs)
    ]
    lines += [
        f"Integrated lab {g.lab:02d}: {_num(g.score)}/{_num(g.max_score)}"
        for g in _sorted(record.integrated)
    ]
    lines += record.notes
    duration = sum(g.duration for g in [*record.labs.values(), *record.integrated.values()])
    return {
        "score": round(record.score, 2),
        "max_score": round(record.max_score, 2),
        "execution_time": round(duration),
        "output": "\n".join(lines),
        "tests": tests,
    }


def _gradescope_test(grade: LabGrade, index: int, prefix: str) -> dict[str, Any]:
    """Return one test of a lab in Gradescope's format."""
    test = grade.tests[index]
    name = short_name(test.nodeid)
    return {
        "name": f"{prefix}lab {grade.lab:02d} · {name}",
        "number": f"{grade.lab}.{index + 1}",
        "score": test.score,
        "max_score": test.max_score,
        "status": test.status,
        "output": test.output,
    }


def write_grades_csv(out: Path, records: Sequence[StudentRecord]) -> Path:
    """Write grades.csv: one row per student, a column per lab, the total; integrated last."""
    labs, integrated = _columns(records)
    header = ["student", *[f"lab{n:02d}" for n in labs], "total"]
    header += [f"lab{n:02d}_integrated" for n in integrated]
    path = out / GRADES
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for record in records:
            row = [record.student]
            row += [_num(record.labs[n].score) if n in record.labs else "" for n in labs]
            row.append(_num(record.score))
            row += [
                _num(record.integrated[n].score) if n in record.integrated else ""
                for n in integrated
            ]
            writer.writerow(row)
    return path


def write_summary(out: Path, records: Sequence[StudentRecord]) -> Path:
    """Write summary.md: the class table, per-lab pass rates, the most common failures."""
    labs, _ = _columns(records)
    origins = sorted({record.graded_with for record in records if record.graded_with})
    lines = [
        "# Grades",
        "",
        f"{len(records)} students, labs {', '.join(f'{n:02d}' for n in labs)}; "
        f"written {time.strftime('%Y-%m-%d %H:%M')}. Scores are points earned/available; "
        "each lab is graded with the student's files for that lab and the reference for the "
        f"rest. Graded with {'; '.join(origins) or 'an unknown repository state'}.",
        "",
        "## Class",
        "",
        *table(records, markdown=True),
        "",
        "## Labs",
        "",
        "| lab | points | handed in | mean | median | full marks | tests passed | run time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in labs:
        grades = [r.labs[n] for r in records if n in r.labs]
        scores = [g.score for g in grades]
        full = sum(1 for g in grades if g.max_score and g.score >= g.max_score)
        handed_in = sum(1 for g in grades if g.state != "no files")
        passed = sum(g.passed for g in grades)
        run = sum(len(g.tests) for g in grades)
        lines.append(
            f"| {n:02d} | {_num(grades[0].max_score)} | {handed_in}/{len(grades)} | "
            f"{_num(statistics.mean(scores))} | "
            f"{_num(statistics.median(scores))} | {full}/{len(grades)} | "
            f"{passed}/{run} ({_percent(passed, run)}) | "
            f"{_duration([g.duration for g in grades])} |"
        )
    lines += _rules(records, labs)
    lines += ["", "## Most common failures", ""]
    failures = _common_failures(records)
    if failures:
        lines += ["| students | lab | message | tests |", "|---|---|---|---|"]
        for failure in failures:
            lines.append(
                f"| {len(failure.students)} | {failure.lab:02d} | {_cell(failure.message)} | "
                f"{failure.tests_cell()} |"
            )
    else:
        lines.append("None: every test passed for every student.")
    notes = [(r.student, note) for r in records for note in _notes(r)]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- **{student}**: {note}" for student, note in notes]
    path = out / SUMMARY
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rules(records: Sequence[StudentRecord], labs: list[int]) -> list[str]:
    """Return the "Points by rule" section: each rule's points, tests and class mean."""
    lines: list[str] = []
    for n in labs:
        grades = [r.labs[n] for r in records if n in r.labs and r.labs[n].tests]
        if not grades or not any(t.rule for t in grades[0].tests):
            continue
        if not lines:
            lines += [
                "",
                "## Points by rule",
                "",
                "Each rule of a lab's guide carries a share of the lab's points, split across "
                "the tests that check it (labs/labs.toml, `[[lab.rule]]`).",
            ]
        lines += ["", f"Lab {n:02d}:", "", "| rule | points | tests | class mean | full marks |"]
        lines.append("|---|---|---|---|---|")
        rules: dict[str, list[float]] = {}
        for test in grades[0].tests:
            rules.setdefault(test.rule, [0.0, 0.0])
            rules[test.rule][0] += test.max_score
            rules[test.rule][1] += 1
        for rule, (points, count) in rules.items():
            earned = [sum(t.score for t in g.tests if t.rule == rule) for g in grades]
            full = sum(1 for e in earned if e >= points - 1e-9)
            lines.append(
                f"| {_cell(rule)} | {_num(points)} | {int(count)} | "
                f"{_num(statistics.mean(earned))} | {full}/{len(grades)} |"
            )
    return lines


def table(records: Sequence[StudentRecord], markdown: bool = False) -> list[str]:
    """Return the class table (student, score per lab, total) as text or Markdown lines."""
    labs, _ = _columns(records)
    header = ["student", *[f"lab {n:02d}" for n in labs], "total"]
    rows = []
    for record in records:
        cells = [record.student]
        for n in labs:
            grade = record.labs.get(n)
            cells.append(f"{_num(grade.score)}/{_num(grade.max_score)}" if grade else "-")
        cells.append(f"{_num(record.score)}/{_num(record.max_score)}")
        rows.append(cells)
    if markdown:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *["| " + " | ".join(row) + " |" for row in rows],
        ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _common_failures(records: Sequence[StudentRecord]) -> list[_Failure]:
    """Return the most frequent failure messages, with the students and tests they hit."""
    failures: dict[tuple[int, str], _Failure] = {}
    for record in records:
        for grade in record.labs.values():
            if grade.state == "no files":
                continue  # not a failure of anyone's code: listed under Notes instead
            for test in grade.tests:
                if test.status != "passed":
                    message = test.message.splitlines()[0] if test.message else "(no message)"
                    failure = failures.setdefault(
                        (grade.lab, message), _Failure(grade.lab, message)
                    )
                    failure.students.add(record.student)
                    failure.tests.add(short_name(test.nodeid))
    ranked = sorted(failures.values(), key=lambda f: (-len(f.students), -len(f.tests), f.lab))
    return ranked[:TOP_FAILURES]


@dataclass
class _Failure:
    """One failure message of one lab, and whom and what it hit."""

    lab: int
    message: str
    students: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)

    def tests_cell(self) -> str:
        """Return the tests it hit for a table cell: a few names and how many in all."""
        names = sorted(self.tests)
        shown = ", ".join(f"`{name}`" for name in names[:3])
        return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _notes(record: StudentRecord) -> list[str]:
    """Return the record's notes plus one per lab that did not simply run."""
    notes = list(record.notes)
    for grade in _sorted(record.labs):
        if grade.state != "ran":
            note = f": {grade.note}" if grade.note else ""
            notes.append(f"lab {grade.lab:02d}: {grade.state}{note}")
    return notes


def _columns(records: Sequence[StudentRecord]) -> tuple[list[int], list[int]]:
    """Return the labs graded for anyone, and those graded integrated, in order."""
    labs = sorted({n for r in records for n in r.labs})
    integrated = sorted({n for r in records for n in r.integrated})
    return labs, integrated


def _sorted(grades: dict[int, LabGrade]) -> list[LabGrade]:
    """Return the grades in lab order."""
    return [grades[n] for n in sorted(grades)]


def _state(grade: LabGrade) -> str:
    """Return "(timed out)" and the like for a lab that did not simply run."""
    return "" if grade.state == "ran" else f"({grade.state})"


def _num(value: float) -> str:
    """Format points without useless decimals: 12, 12.5, 12.33."""
    return f"{round(value, 2):g}"


def _duration(seconds: list[float]) -> str:
    """Return the median and the longest run time of a lab: "12 s (max 30 s)"."""
    if not seconds:
        return "-"
    return f"{statistics.median(seconds):.0f} s (max {max(seconds):.0f} s)"


def _percent(part: int, whole: int) -> str:
    """Format a ratio as a whole percentage."""
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _cell(text: str) -> str:
    """Make text safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")[:200]


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically: a reader never sees half a file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
