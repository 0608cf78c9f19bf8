#!/usr/bin/env python3
"""What a cron run costs when nothing is new, against a full run over the same studies.

    python3 scripts/cron-cost.py STUDIES [--radtriage .build/release/radtriage] [--full-runs 5] [--after 3]

Each round scores everything into a fresh output folder (the full run), then runs again `--after`
times on the same folder (nothing to score). Prints every time and the ratio of the medians. Uses a
scratch folder under /tmp and removes it.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("studies")
    parser.add_argument("--radtriage", default=os.path.join(root, ".build", "release", "radtriage"))
    parser.add_argument("--full-runs", type=int, default=5)
    parser.add_argument("--after", type=int, default=3, help="runs with nothing to score after each full run")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="radtriage-cron-cost-")
    try:
        full, unchanged = [], []
        for _ in range(args.full_runs):
            out = os.path.join(scratch, "out")
            shutil.rmtree(out, ignore_errors=True)
            command = [args.radtriage, "run", "--studies", args.studies, "--out", out]
            full.append(timed(command))
            unchanged += [timed(command) for _ in range(args.after)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("full runs (s):      " + " ".join(f"{t:.3f}" for t in sorted(full)))
    print("nothing to score (s): " + " ".join(f"{t:.3f}" for t in sorted(unchanged)))
    print(f"median {statistics.median(unchanged) * 1000:.0f} ms against {statistics.median(full):.2f} s: "
          f"{100 * statistics.median(unchanged) / statistics.median(full):.1f} % of a full run")


if __name__ == "__main__":
    main()
