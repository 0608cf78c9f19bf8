#!/usr/bin/env python3
"""Calibrates the default model's study probability on the validation studies, as radtriage scores them,
and writes the calibration and the validation score distribution into Models/pet-default/manifest.json.

    python3 Models/training/calibrate.py              # after train_default_model.py (numpy only)

The study probability is sigmoid(logit / temperature + bias + focalWeight · ln(1 + focal contrast)):
the model's aggregated logit, combined with the focal-uptake baseline's strongest candidate (its
SUVpeak over the patient's background; 0 without a candidate). The three numbers are fitted by
maximum likelihood (logistic regression, Newton's method) on the validation studies that training
used to choose its epoch, never on test studies. With --no-focal, temperature scaling alone.
The validation studies' calibrated probabilities go into the manifest for the out-of-distribution guard.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_DIR = os.path.join(ROOT, "Models", "pet-default")
sys.path.insert(0, HERE)


def focal_contrast(result):
    focal = (result.get("evidence") or {}).get("focalUptake") or {}
    candidates = focal.get("candidates") or []
    return candidates[0]["contrast"] if candidates else 0.0


def fit_logistic(features, labels, ridge=1e-3):
    """Maximum-likelihood weights of sigmoid(features · w), with a small ridge for stability."""
    w = np.zeros(features.shape[1])
    for _ in range(200):
        p = 1 / (1 + np.exp(-(features @ w)))
        gradient = features.T @ (p - labels) + ridge * w
        hessian = (features * (p * (1 - p))[:, None]).T @ features + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    parser.add_argument("--model", default=MODEL_DIR)
    parser.add_argument("--no-focal", action="store_true")
    args = parser.parse_args()
    with open(os.path.join(args.model, "training.json")) as f:
        training = json.load(f)
    folders = []
    for spec in training["validationSets"]:
        folder = os.path.join(ROOT, ".build", "training", spec[0])
        folders += sorted(os.path.join(folder, n) for n in os.listdir(folder) if not n.startswith("."))[:spec[2]]
    manifest_path = os.path.join(args.model, "manifest.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    # Score with the plain sigmoid first: the logits and the focal candidates do not depend on it.
    manifest.pop("calibration", None)
    manifest.pop("validationScores", None)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    run = subprocess.run(["nice", "-n", "10", args.radtriage, "score", "--model", args.model, "--json", *folders],
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"radtriage score failed ({run.returncode}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    by_path = {r["path"]: r for r in report["scored"]}
    logits, contrasts, labels = [], [], []
    for folder in folders:
        result = by_path[folder]
        with open(os.path.join(folder, "ground_truth.json")) as f:
            labels.append(1.0 if json.load(f)["hasLesion"] else 0.0)
        logits.append(result["logit"])
        contrasts.append(focal_contrast(result))
    logits, contrasts, labels = np.array(logits), np.array(contrasts), np.array(labels)
    columns = [logits, np.ones_like(logits)] + ([] if args.no_focal else [np.log1p(contrasts)])
    w = fit_logistic(np.stack(columns, axis=1), labels)
    if w[0] <= 0:
        if args.no_focal:
            sys.exit(f"calibration failed: the logit's weight {w[0]:.4f} is not positive")
        # The network's logit says nothing the focal baseline does not (or the opposite): it gets no
        # weight, a temperature so large that the logit cannot move the probability.
        print(f"the logit's fitted weight is {w[0]:.4f} ≤ 0: fitting the focal baseline alone", file=sys.stderr)
        rest = fit_logistic(np.stack([np.ones_like(logits), np.log1p(contrasts)], axis=1), labels)
        w = np.array([1e-6, rest[0], rest[1]])
    calibration = {"temperature": float(1 / w[0]), "bias": float(w[1])}
    if not args.no_focal:
        calibration["focalWeight"] = float(w[2])
    z = logits * w[0] + w[1] + (0 if args.no_focal else w[2] * np.log1p(contrasts))
    probabilities = 1 / (1 + np.exp(-z))
    quantiles = lambda values: [round(float(v), 6) for v in np.quantile(values, np.linspace(0, 1, 21))]
    manifest["calibration"] = calibration
    manifest["validationScores"] = {
        "negativeQuantiles": quantiles(probabilities[labels == 0]), "positiveQuantiles": quantiles(probabilities[labels == 1]),
        "negativeStudies": int((labels == 0).sum()), "positiveStudies": int((labels == 1).sum())}
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    training["calibration"] = calibration
    training["calibratedOn"] = f"{len(folders)} validation studies scored by radtriage"
    with open(os.path.join(args.model, "training.json"), "w") as f:
        json.dump(training, f, indent=2)
        f.write("\n")
    auc = lambda s: float(((s[labels == 1][:, None] > s[labels == 0][None, :]).sum()
                           + 0.5 * (s[labels == 1][:, None] == s[labels == 0][None, :]).sum()) / ((labels == 1).sum() * (labels == 0).sum()))
    print(json.dumps({"calibration": calibration, "validationAUC": {"logit": auc(logits), "focalContrast": auc(contrasts),
                                                                    "calibrated": auc(probabilities)}}, indent=1))


if __name__ == "__main__":
    main()
