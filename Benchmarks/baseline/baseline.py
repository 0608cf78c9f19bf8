#!/usr/bin/env python3
"""The baseline a user would otherwise write: radtriage's pipeline in Python (Pillow decodes, numpy with
its own OpenBLAS does im2col + matmul), with the same model weights read from the same safetensors
file. It scores the studies, checks that every study's probability and every slice's logit equal
radtriage's (`radtriage score --json`) within float32 rounding, and prints both tools' slices per
second on one core, side by side.

    python3 Benchmarks/baseline/baseline.py --studies /tmp/r [--radtriage .build/release/radtriage] [--rounds 3]

With --rounds N both run N times, interleaved (Python, radtriage, Python, …), and each one's fastest
round counts: the machine may be shared, and one slow round would otherwise decide the ratio.

The pipeline itself is Models/training/pipeline_numpy.py, the code that trained the default model.
"""
import argparse
import json
import os
import subprocess
import sys
import time

# One BLAS thread in numpy, as radtriage uses one per worker: the figures are per core. Must be set
# before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Models", "training"))

import numpy as np  # noqa: E402
import pipeline_numpy as pipeline  # noqa: E402

# float32 rounding over a few hundred multiply-adds per output, through two different BLAS builds.
LOGIT_TOLERANCE = 1e-4


def study_folders(root):
    if os.path.exists(os.path.join(root, "study.json")):
        return [root]
    names = sorted((n for n in os.listdir(root) if not n.startswith(".")), key=pipeline.natural_key)
    return [os.path.join(root, n) for n in names if os.path.exists(os.path.join(root, n, "study.json"))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", required=True, help="folder of study folders (radtriage synth writes them)")
    parser.add_argument("--model", default=os.path.join(ROOT, "Models", "pet-default"))
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"),
                        help="the radtriage executable to compare with")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N studies")
    parser.add_argument("--rounds", type=int, default=1, help="run both N times, interleaved; the fastest of each counts")
    args = parser.parse_args()

    folders = study_folders(args.studies)
    if args.limit:
        folders = folders[:args.limit]
    if not folders:
        sys.exit(f"{args.studies}: no study folders")
    manifest, weights = pipeline.load_model(args.model)

    python_rounds, radtriage_rounds = [], []
    for _ in range(max(args.rounds, 1)):
        start = time.perf_counter()
        python = {}
        for folder in folders:
            python[os.path.basename(folder)] = pipeline.score_study(folder, manifest, weights)
        python_rounds.append(time.perf_counter() - start)

        # radtriage score runs one study at a time on one thread: the same work, per core.
        start = time.perf_counter()
        completed = subprocess.run([args.radtriage, "score", *folders, "--model", args.model, "--json"],
                                   capture_output=True, text=True)
        radtriage_rounds.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            sys.exit(f"radtriage score failed ({completed.returncode}):\n{completed.stderr}")
    python_seconds, radtriage_seconds = min(python_rounds), min(radtriage_rounds)
    slices = sum(len(r["sliceLogits"]) for r in python.values())
    scored = {r["studyId"]: r for r in json.loads(completed.stdout)["scored"]}

    worst_logit, worst_probability = 0.0, 0.0
    for name, ours in python.items():
        theirs = scored.get(name)
        if theirs is None:
            sys.exit(f"{name}: scored by Python, not by radtriage")
        logits = np.array(theirs["sliceLogits"], dtype=np.float64)
        if len(logits) != len(ours["sliceLogits"]):
            sys.exit(f"{name}: {len(ours['sliceLogits'])} slices in Python, {len(logits)} in radtriage")
        worst_logit = max(worst_logit, float(np.max(np.abs(logits - ours["sliceLogits"]) / np.maximum(1, np.abs(logits)))))
        worst_probability = max(worst_probability, abs(theirs["probability"] - ours["probability"]))
    agree = worst_logit <= LOGIT_TOLERANCE

    print(f"{len(folders)} studies, {slices} slices; model {manifest['name']}@{manifest['version']}")
    print(f"  Python (Pillow + numpy, one BLAS thread): {python_seconds:7.2f} s  {slices / python_seconds:7.1f} slices/s")
    print(f"  radtriage score (one thread):             {radtriage_seconds:7.2f} s  {slices / radtriage_seconds:7.1f} slices/s"
          f"  ({python_seconds / radtriage_seconds:.1f} × Python)")
    if len(python_rounds) > 1:
        print(f"  fastest of {len(python_rounds)} interleaved rounds; every round (s): Python "
              f"{' '.join(f'{t:.2f}' for t in python_rounds)}, radtriage {' '.join(f'{t:.2f}' for t in radtriage_rounds)}")
    print(f"  agreement: largest slice-logit difference {worst_logit:.2e} (relative, tolerance {LOGIT_TOLERANCE:.0e}), "
          f"largest probability difference {worst_probability:.2e}: {'equal within float32 rounding' if agree else 'DIFFERENT'}")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
