"""mypy on `tui/` (configured in pyproject.toml) against the known errors in
`.ci/mypy-baseline.txt`: an error not listed fails, and so does a listed one that is gone
(delete its line, so the list only shrinks). Errors are compared without their line numbers,
so edits elsewhere in a file do not matter."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).with_name("mypy-baseline.txt")
ERROR = re.compile(r"^(?P<path>[^:\s]+):\d+: error: (?P<message>.*)$")


def known_errors() -> Counter[str]:
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def found_errors(output: str) -> Counter[str]:
    matches = (ERROR.match(line) for line in output.splitlines())
    return Counter(f"{m['path']}: {m['message']}" for m in matches if m)


def main() -> int:
    done = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True)
    found = found_errors(done.stdout)
    if done.returncode not in (0, 1) or (done.returncode == 1 and not found):
        print(done.stdout + done.stderr, file=sys.stderr)
        return 1  # mypy itself failed (configuration, crash)
    new, gone = found - known_errors(), known_errors() - found
    for line in done.stdout.splitlines():
        match = ERROR.match(line)
        if match and f"{match['path']}: {match['message']}" in new:
            print(f"mypy: new error: {line}", file=sys.stderr)
    for line in gone.elements():
        print(f"mypy: fixed, delete it from {BASELINE.name}: {line}", file=sys.stderr)
    known = sum(known_errors().values())
    print(f"mypy: {sum(found.values())} errors, {known} known ({BASELINE.name})")
    return 1 if new or gone else 0


if __name__ == "__main__":
    sys.exit(main())
