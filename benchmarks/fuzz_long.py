"""A long fuzzing run: every ``tests/test_fuzz_*.py`` with a large example budget.

Runs pytest on the fuzz test files with the ``openskies-long`` hypothesis
profile (``OPENSKIES_HYPOTHESIS_PROFILE``, registered in ``tests/conftest.py``)
and ``OPENSKIES_FUZZ_EXAMPLES`` examples per property, then prints the number of
cases hypothesis ran (passing, failing and invalid examples, from
``--hypothesis-show-statistics``) and the wall-clock time.  The exit status is
pytest's.  The bounded CI run of the same files uses the default profile.

Run: ``python benchmarks/fuzz_long.py [--examples N] [-k EXPR] [FILES ...]``
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid test cases")


def fuzz_files() -> list[str]:
    """Return the fuzz test files of the repository."""
    return sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_fuzz_*.py")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=2000, help="examples per property test"
    )
    parser.add_argument("-k", default=None, help="pytest -k expression")
    parser.add_argument("files", nargs="*", help="fuzz files (default: all)")
    args = parser.parse_args()
    files = args.files or fuzz_files()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        *(["-k", args.k] if args.k else []),
        *files,
    ]
    env = {
        **os.environ,
        "OPENSKIES_HYPOTHESIS_PROFILE": "openskies-long",
        "OPENSKIES_FUZZ_EXAMPLES": str(args.examples),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    print(f"fuzzing {', '.join(files)} with {args.examples} examples per property")
    began = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - began
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    totals = [sum(int(m[i]) for m in COUNTS.findall(done.stdout)) for i in range(3)]
    print(
        f"cases run: {totals[0] + totals[1]} ({totals[0]} passing, {totals[1]} "
        f"failing; {totals[2]} invalid draws discarded) in {elapsed:.1f} s; pytest "
        "exit status "
        f"{done.returncode}"
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
