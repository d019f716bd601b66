"""Benchmark: how long a shell waits for `iacgen --help` and `iacgen scan --help`, against `aws --version`
(the AWS CLI, a dev dependency) and `python -c pass`, in one run, paired: the commands run in turn, round
after round, and each one's median is compared. Target: `iacgen --help` at most 0.25x `aws --version`.

Run: .venv/bin/python scripts/bench/startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def commands() -> dict[str, list[str]]:
    iacgen = shutil.which("iacgen", path=str(BIN)) or "iacgen"
    aws = shutil.which("aws", path=str(BIN)) or shutil.which("aws") or "aws"
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "iacgen --help": [iacgen, "--help"],
        "iacgen scan --help": [iacgen, "scan", "--help"],
        "aws --version": [aws, "--version"],
    }


def run_once(argv: list[str]) -> float:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    cmds = commands()
    for argv in cmds.values():  # warm the page cache and .pyc files once, untimed
        run_once(argv)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.rounds):
        for name, argv in cmds.items():
            times[name].append(run_once(argv))
    medians = {name: statistics.median(t) for name, t in times.items()}
    aws = medians["aws --version"]
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}"
    print(f"machine: {machine}; {args.rounds} rounds")
    print(f"{'command':<22} {'median s':>9} {'x aws --version':>16}")
    for name, median in medians.items():
        print(f"{name:<22} {median:>9.3f} {median / aws:>16.2f}")
    ratio = medians["iacgen --help"] / aws
    verdict = "meets" if ratio <= 0.25 else "misses"
    print(f"iacgen --help is {ratio:.2f}x aws --version: {verdict} the 0.25x target")


if __name__ == "__main__":
    main()
