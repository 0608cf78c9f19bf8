#!/usr/bin/env python3
"""DICOM against PNG, and radtriage's DICOM decoding against pydicom, side by side in one run.

    .build/venv/bin/python scripts/dicom-bench.py [--studies 4] [--slices 300] [--matrix 256] [--jobs 2]
        [--rounds 3] [--radtriage .build/release/radtriage]

Writes the same synthetic studies twice with `radtriage synth` (same seed): as PNG (zlib level 6, the
clinical-like size `bench` uses) and as DICOM. Then, in interleaved rounds (the fastest of each counts):
- `radtriage run --jobs 1` and `--jobs N` over each format into a fresh output folder, end to end, with
  the decode stage's time per slice from the run's own "run finished" log line (file read, parse and
  pixel decoding, on one worker at --jobs 1);
- pydicom's `dcmread` + `pixel_array` over the same DICOM PET slices, one thread, the baseline a Python
  user would write (needs the test venv: `make test-venv`).
Prints the figures and the ratios. Uses a scratch folder under /tmp and removes it.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time

import pydicom


def run(radtriage, studies, out, jobs):
    """Wall seconds of one `radtriage run` and its "run finished" event."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run([radtriage, "run", "--studies", studies, "--out", out, "--jobs", str(jobs), "--log-format", "json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"radtriage run exited {done.returncode}: {done.stderr[-2000:]}")
    finished = [json.loads(line) for line in done.stderr.splitlines() if '"run finished"' in line][-1]
    return seconds, finished


def pydicom_pass(files):
    start = time.perf_counter()
    total = 0
    for path in files:
        total += int(pydicom.dcmread(path).pixel_array[0, 0])
    return time.perf_counter() - start, total


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=4)
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--matrix", type=int, default=256)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--radtriage", default=os.path.join(root, ".build", "release", "radtriage"))
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="radtriage-dicom-bench-")
    try:
        folders = {}
        for fmt in ("png", "dicom"):
            folders[fmt] = os.path.join(scratch, fmt)
            subprocess.run([args.radtriage, "synth", "--out", folders[fmt], "--studies", str(args.studies), "--slices",
                            str(args.slices), "--matrix", str(args.matrix), "--compression", "6", "--seed", "11",
                            "--format", fmt], stdout=subprocess.DEVNULL, check=True)
        dicom_files = sorted(glob.glob(os.path.join(folders["dicom"], "*", "PT", "*.dcm")))
        pydicom_pass(dicom_files)  # warm the page cache and Python's imports
        job_counts = sorted({1, args.jobs})
        best = {}
        pydicom_best = float("inf")
        for round_number in range(args.rounds):
            for jobs in job_counts:
                for fmt in ("png", "dicom"):
                    seconds, finished = run(args.radtriage, folders[fmt], os.path.join(scratch, "out"), jobs)
                    key = (fmt, jobs)
                    decode = float(finished["decode_ms_per_slice"])
                    if key not in best or seconds < best[key][0]:
                        best[key] = (seconds, decode, int(finished["slices"]), int(finished["scored"]))
            seconds, _ = pydicom_pass(dicom_files)
            pydicom_best = min(pydicom_best, seconds)
            print(f"round {round_number + 1} of {args.rounds} done", flush=True)

        slices = len(dicom_files)
        pydicom_ms = pydicom_best * 1000 / slices
        print(f"\n{args.studies} studies × {args.slices} PET slices of {args.matrix}², fastest of {args.rounds} interleaved rounds")
        for fmt, jobs in sorted(best):
            seconds, decode, scored_slices, scored = best[(fmt, jobs)]
            print(f"radtriage run --jobs {jobs} on {fmt.upper():5}: {seconds:6.2f} s end to end, {scored} studies, "
                  f"{scored_slices} slices, decode {decode:.3f} ms/slice")
        print(f"pydicom {pydicom.__version__} dcmread + pixel_array, one thread: {pydicom_ms:.3f} ms/slice over {slices} files")
        radtriage_ms = best[("dicom", 1)][1]
        print(f"\nDICOM slice decoding (read, parse, pixels): radtriage {radtriage_ms:.3f} ms vs pydicom {pydicom_ms:.3f} ms "
              f"= {pydicom_ms / radtriage_ms:.1f} × faster")
        print(f"PNG slice decoding in the same runs: {best[('png', 1)][1]:.3f} ms/slice "
              f"(DICOM {best[('png', 1)][1] / radtriage_ms:.1f} × faster)")
        for jobs in job_counts:
            png, dicom = best[("png", jobs)][0], best[("dicom", jobs)][0]
            print(f"radtriage run --jobs {jobs}: DICOM {dicom:.2f} s vs PNG {png:.2f} s = {png / dicom:.2f} × (PNG time / DICOM time)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
