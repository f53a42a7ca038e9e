"""Kill rate per module from a mutmut run (`make mutants`; docs/testing.md).

Reads mutmut's result files under mutants/ (or the folders given, a module's results in a
later folder replacing an earlier one's) and prints, per mutated module: mutants checked,
killed (a test failed, timed out or crashed), survived, reached by no test, and the kill rate
with and without the mutants listed as equivalent in bench/mutants-equivalent.txt (one
mutant name per line, `#` comments). Then the surviving mutants that are not listed there.

`--functions`: one row per mutated function instead of per module (for modules run a few
functions at a time); functions with no mutant checked are left out.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -11, -9}  # mutmut's killed, timeout, segfault
SURVIVED = {0}
NO_TESTS = {5, 33}


def equivalent_names(path: Path = ROOT / "bench" / "mutants-equivalent.txt") -> set[str]:
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return {line for line in lines if line}


def _results(folders: list[Path]) -> dict[str, dict]:
    """Module -> mutant results; a module run in a later folder replaces an earlier one
    (runs of single modules with their own selection), unless that run never checked it."""
    found: dict[str, dict] = {}
    for folder in folders:
        for meta in sorted(folder.glob("src/**/*.py.meta")):
            module = str(meta.relative_to(folder / "src"))[: -len(".py.meta")].replace("/", ".")
            codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
            if module not in found or any(c is not None for c in codes.values()):
                found[module] = codes
    return found


def _function(name: str) -> str:
    """vmre.record.verifier.x__load_json__mutmut_3 -> vmre.record.verifier._load_json"""
    module, _, mangled = name.rpartition(".")
    mangled = re.sub(r"__mutmut_\d+$", "", mangled)
    if mangled.startswith("xǁ"):  # a method: xǁClassǁname
        return f"{module}.{mangled[2:].replace('ǁ', '.')}"
    return f"{module}.{mangled[2:]}"


def main(folders: list[Path], by_function: bool = False) -> int:
    equivalent = equivalent_names()
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: dict[str, list[str]] = defaultdict(list)
    for module, codes in sorted(_results(folders).items()):
        for name, code in codes.items():
            if by_function:
                if code is None:
                    continue
                module = _function(name)
            row = rows[module]
            if code is None:
                row["not checked"] += 1
            elif code in KILLED:
                row["killed"] += 1
            elif code in SURVIVED:
                if name in equivalent:
                    row["equivalent"] += 1
                else:
                    row["survived"] += 1
                    survivors[module].append(name)
            elif code in NO_TESTS:
                row["no tests"] += 1
            else:
                row["other"] += 1
    title = "function" if by_function else "module"
    width = 50 if by_function else 34
    print(f"{title:{width}} {'checked':>7} {'killed':>6} {'equiv':>5} {'surv':>5} {'none':>5}"
          f" {'rate':>6} {'rate*':>6} {'unrun':>5}")
    for module, row in sorted(rows.items()):
        checked = row["killed"] + row["survived"] + row["equivalent"] + row["no tests"]
        if not checked:
            print(f"{module:{width}} {'-':>7}  not run ({row['not checked']} mutants)")
            continue
        rate = row["killed"] / checked
        non_equivalent = checked - row["equivalent"]
        rate_ne = row["killed"] / non_equivalent if non_equivalent else 1.0
        print(f"{module:{width}} {checked:7} {row['killed']:6} {row['equivalent']:5} "
              f"{row['survived']:5} {row['no tests']:5} {rate:6.1%} {rate_ne:6.1%} "
              f"{row['not checked']:5}")
    print("rate = killed / checked; rate* = killed / (checked - equivalent); "
          "unrun = mutants of the module not checked in this run")
    for module, names in sorted(survivors.items()):
        print(f"\nsurviving in {module} (not listed as equivalent):")
        for name in names:
            print("  " + name)
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--functions"]
    sys.exit(main([Path(a) for a in args] or [ROOT / "mutants"], "--functions" in sys.argv))
