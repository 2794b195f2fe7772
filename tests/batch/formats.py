"""Validators of the batch's exports: Gradescope's results.json and the gradebook CSV."""

from __future__ import annotations

import math

VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
GRADEBOOK_FIXED = ["student_id", "student_name", "email", "submission", "status", "total", "max_total"]


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_results_json(doc: dict) -> None:
    """Gradescope's autograder results format (top level and each test), as its docs specify."""
    assert isinstance(doc, dict)
    assert _number(doc["score"]) and _number(doc["execution_time"]), doc
    assert isinstance(doc["output"], str)
    assert doc.get("visibility", "visible") in VISIBILITY
    assert doc.get("stdout_visibility", "visible") in VISIBILITY
    for key in ("output_format", "test_output_format"):
        assert doc.get(key, "text") in {"text", "html", "simple_format", "md", "ansi"}, doc.get(key)
    assert isinstance(doc["tests"], list) and doc["tests"]
    for test in doc["tests"]:
        assert _number(test["score"]) and _number(test["max_score"]), test
        extra_credit = "bonus" in test.get("tags", [])  # a bonus entry: max_score 0, points on top
        assert 0 <= test["score"] and (extra_credit or test["score"] <= test["max_score"] + 1e-9), test
        assert isinstance(test["name"], str) and isinstance(test["number"], str) and isinstance(test["output"], str)
        assert test["visibility"] in VISIBILITY
        # no status: pending (a written answer no person has graded yet), worth nothing until then
        assert test.get("status", "pending") in {"passed", "failed"} or (test["max_score"] == 0 == test["score"]), test
        assert all(isinstance(tag, str) for tag in test.get("tags", []))
    assert math.isclose(doc["score"], sum(t["score"] for t in doc["tests"]), abs_tol=1e-6)


def validate_gradebook(rows: list[dict[str, str]], header: list[str], parts: list[str], checks: list[str]) -> None:
    """One row per student; numbers where graded, empty cells where not; totals add up."""
    assert header == GRADEBOOK_FIXED + parts + checks + ["note"], header
    ids = [r["student_id"] for r in rows]
    assert len(ids) == len(set(ids)), f"a student appears twice: {ids}"
    for r in rows:
        assert r["status"] in {"graded", "rejected", "error", "not graded"}, r
        if r["status"] != "graded":
            assert r["total"] == "" and r["max_total"] == "", r
            assert all(r[c] == "" for c in parts + checks), r
            assert r["note"], f"{r['submission']} not graded without a reason"
            continue
        total = float(r["total"])
        assert 0 <= total <= float(r["max_total"])
        assert math.isclose(total, sum(float(r[p]) for p in parts if r[p] != ""), abs_tol=1e-6), r
        assert math.isclose(total, sum(float(r[c]) for c in checks if r[c] != ""), abs_tol=1e-6), r
