"""What the verifier's direct tests share: a conformance record copied to change it, and a
report's failures as (section, check, item, detail)."""

from __future__ import annotations

import shutil
from pathlib import Path

from vmre.record.verifier import Report


def copy_record(record: Path, tmp_path: Path) -> Path:
    target = tmp_path / record.name
    shutil.copytree(record, target)
    return target


def failures_of(report: Report) -> list[tuple[str, str, str, str]]:
    return [(f.section, f.check, f.item, f.detail) for f in report.failures]
