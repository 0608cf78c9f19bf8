#!/usr/bin/env python3
"""Is a candidate model better than the shipped one? Scores both on evaluate.py's test sets and prints,
per set, each model's AUC, sensitivity at 90 % specificity and expected calibration error, and the
paired bootstrap 95 % interval of the AUC difference (the same studies resampled for both models, so
that the difference is not drowned in the sets' own sampling noise). From the repository root, after
`make release`:

    python3 Models/training/compare.py --candidate /tmp/m42 [--baseline Models/pet-default] [--set held-out-family-lumpy]

A candidate ships where it is shown better on the held-out family (the AUC interval above zero, or one of
the issue's targets met there that the shipped model misses) and no set gets worse beyond its interval;
that decision stays with the engineer reading the table, and the model card says which it was.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import (MODEL_DIR, ROOT, TEST_SETS, auc, bootstrap_interval, calibration, score,  # noqa: E402
                      sensitivity_at_specificity, synthesize)


def labelled_probabilities(radtriage, model, studies):
    """Each study's calibrated probability, in the order of `studies`, and its truth label."""
    by_path = {r["path"]: r for r in score(radtriage, model, studies)["scored"]}
    probabilities, labels = [], []
    for folder in studies:
        result = by_path.get(folder) or by_path[os.path.realpath(folder)]
        probabilities.append(result["probability"])
        with open(os.path.join(folder, "ground_truth.json")) as f:
            labels.append(1 if json.load(f)["hasLesion"] else 0)
    return np.array(probabilities), np.array(labels)


def paired_auc_difference(candidate, baseline, labels):
    """The 95 % interval of AUC(candidate) − AUC(baseline), the same studies resampled for both."""
    return bootstrap_interval(lambda pick: auc(candidate[pick], labels[pick]) - auc(baseline[pick], labels[pick]), labels,
                              rounds=2000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidate", required=True, help="model folder to judge")
    parser.add_argument("--baseline", default=MODEL_DIR, help="model folder to judge it against (default: the shipped model)")
    parser.add_argument("--set", action="append", dest="sets", help="a test set's name (default: every set); repeatable")
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    args = parser.parse_args()
    specs = [s for s in TEST_SETS if not args.sets or s[0] in args.sets]
    if not specs:
        sys.exit(f"no test set named {args.sets}; the sets are {[s[0] for s in TEST_SETS]}")
    report = {}
    for spec in specs:
        studies = synthesize(args.radtriage, spec)
        candidate, labels = labelled_probabilities(args.radtriage, args.candidate, studies)
        baseline, _ = labelled_probabilities(args.radtriage, args.baseline, studies)
        low, high = paired_auc_difference(candidate, baseline, labels)
        row = {"studies": int(len(labels)), "lesionStudies": int(labels.sum()), "aucDifference95": [round(low, 3), round(high, 3)]}
        for name, p in (("candidate", candidate), ("baseline", baseline)):
            row[name] = {"auc": round(auc(p, labels), 3), "se90": round(sensitivity_at_specificity(p, labels), 3),
                         "ece": round(calibration(p, labels)[0], 3)}
        report[spec[0]] = row
        print(f"{spec[0]} ({row['studies']} studies): AUC {row['candidate']['auc']} against {row['baseline']['auc']}, "
              f"difference 95 % [{low:+.3f}, {high:+.3f}]; sensitivity at 90 % specificity {row['candidate']['se90']} "
              f"against {row['baseline']['se90']}; ECE {row['candidate']['ece']} against {row['baseline']['ece']}", flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
