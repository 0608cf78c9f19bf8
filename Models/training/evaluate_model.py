#!/usr/bin/env python3
"""Scores held-out synthetic studies with radtriage itself and measures the model against the plain
baseline "rank by SUVmax"; with --card, writes Models/pet-default/MODEL_CARD.md and metrics.json.

Reproduce the model card's test figures (from the repository root, after `swift build -c release`):

    .build/release/radtriage synth --out /tmp/radtriage-test --studies 100 --slices 200 --seed 303 --lesion-probability 0.5
    python3 Models/training/evaluate_model.py --studies /tmp/radtriage-test
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_DIR = os.path.join(ROOT, "Models", "pet-default")


def auc(scores, labels):
    positives, negatives = scores[labels == 1], scores[labels == 0]
    greater = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(greater / (len(positives) * len(negatives)))


def sensitivity_at_specificity(scores, labels, specificity=0.9):
    """Sensitivity at the lowest threshold that keeps at least `specificity` of the negatives at or below it."""
    negatives = np.sort(scores[labels == 0])
    threshold = negatives[int(np.ceil(specificity * len(negatives))) - 1]
    return float((scores[labels == 1] > threshold).mean())


def bootstrap_difference(model, baseline, labels, rounds=2000, seed=1):
    """95 % interval of AUC(model) − AUC(baseline) over studies resampled with replacement."""
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(rounds):
        pick = rng.integers(0, len(labels), len(labels))
        if labels[pick].min() == labels[pick].max():
            continue
        differences.append(auc(model[pick], labels[pick]) - auc(baseline[pick], labels[pick]))
    return [float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))]


def flops_per_slice(manifest):
    channels, height, width, total = 1, manifest["input"]["height"], manifest["input"]["width"], 0
    for layer in manifest["layers"]:
        if layer["type"] == "conv2d":
            (kh, kw), (sh, sw), (ph, pw) = layer["kernel"], layer["stride"], layer["padding"]
            height, width = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
            total += 2 * height * width * layer["outChannels"] * channels * kh * kw
            channels = layer["outChannels"]
        elif layer["type"] in ("maxPool2d", "avgPool2d"):
            (kh, kw), (sh, sw) = layer["kernel"], layer.get("stride", layer["kernel"])
            height, width = (height - kh) // sh + 1, (width - kw) // sw + 1
        elif layer["type"] in ("globalMaxPool", "globalAvgPool"):
            height = width = 1
        elif layer["type"] == "dense":
            total += 2 * layer["inFeatures"] * layer["outFeatures"]
            channels, height, width = layer["outFeatures"], 1, 1
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    parser.add_argument("--studies", required=True, help="folder of synthetic test studies (with ground_truth.json)")
    parser.add_argument("--model", default=MODEL_DIR)
    parser.add_argument("--card", action="store_true", help="write MODEL_CARD.md and metrics.json into the model folder")
    parser.add_argument("--validation-auc", default="")
    parser.add_argument("--train-studies", default="")
    parser.add_argument("--validation-studies", default="")
    args = parser.parse_args()

    folders = sorted(os.path.join(args.studies, n) for n in os.listdir(args.studies) if not n.startswith("."))
    run = subprocess.run([args.radtriage, "score", "--model", args.model, "--json", *folders], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"radtriage score failed ({run.returncode}): {run.stderr}")
    report = json.loads(run.stdout)
    if report["failed"]:
        sys.exit(f"{len(report['failed'])} test studies failed to score: {report['failed'][0]}")
    labels, model_scores, suv_max = [], [], []
    for result in report["scored"]:
        with open(os.path.join(result["path"], "ground_truth.json")) as f:
            labels.append(1 if json.load(f)["hasLesion"] else 0)
        model_scores.append(result["probability"])
        suv_max.append(result["evidence"]["suvMax"])
    labels, model_scores, suv_max = np.array(labels), np.array(model_scores), np.array(suv_max)
    metrics = {
        "model": report["model"], "weightsSHA256": report["weightsSHA256"],
        "testStudies": int(len(labels)), "testStudiesWithLesions": int(labels.sum()),
        "modelAUC": auc(model_scores, labels), "modelSensitivityAt90Specificity": sensitivity_at_specificity(model_scores, labels),
        "suvMaxAUC": auc(suv_max, labels), "suvMaxSensitivityAt90Specificity": sensitivity_at_specificity(suv_max, labels),
        "aucDifference95Interval": bootstrap_difference(model_scores, suv_max, labels),
    }
    print(json.dumps(metrics, indent=2))
    if args.card:
        with open(os.path.join(args.model, "manifest.json")) as f:
            manifest = json.load(f)
        metrics.update({"flopsPerSlice": flops_per_slice(manifest), "validationAUC": args.validation_auc,
                        "trainStudies": args.train_studies, "validationStudies": args.validation_studies})
        with open(os.path.join(args.model, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2)
            f.write("\n")
        write_card(args.model, manifest, metrics)


def write_card(folder, manifest, m):
    layers = ", ".join(
        f"conv {l['kernel'][0]}×{l['kernel'][1]} {l['inChannels']}→{l['outChannels']}" if l["type"] == "conv2d"
        else f"dense {l['inFeatures']}→{l['outFeatures']}" if l["type"] == "dense" else l["type"] for l in manifest["layers"])
    card = f"""# Model card: {manifest['name']} {manifest['version']}

**Not for clinical use.** Trained and tested on synthetic phantoms only; it has never seen a patient.

## What it does
Scores each PET slice (SUV, area-averaged to {manifest['input']['height']} × {manifest['input']['width']}, clipped to
[{manifest['input']['clipMin']}, {manifest['input']['clipMax']}] and divided by {round(1 / manifest['input']['scale'])}) with a logit for "a lesion crosses this slice";
the study's probability is the sigmoid of the mean of its {manifest['aggregation']['k']} highest slice logits. The key slices
on the worklist are those {manifest['aggregation']['k']}.

Architecture: {layers}. Cost: {m['flopsPerSlice'] / 1e6:.1f} MFLOP per slice.

## Training data
`radtriage synth` phantoms (FDG-like: brain, myocardium 1.5–12, blood pool, liver 2.0–2.6, kidneys 3–5,
bladder 5–40, lungs; 6 mm FWHM resolution and noise; lesions of 8–30 mm with SUV 2.5–15 in lungs,
liver, nodes and spine), 200 slices of 256 × 256 per study. Training: {m['trainStudies']} studies (seed 101,
70 % with lesions); validation, which chose the epoch: {m['validationStudies']} studies (seed 202); test:
{m['testStudies']} studies (seed 303, {m['testStudiesWithLesions']} with lesions), never used before this evaluation.
Trained by `Models/training/train_default_model.py` (numpy, hand-written backward pass, Adam).

## Measured on the held-out test studies (scored by radtriage itself)

| ranking by | AUC | sensitivity at 90 % specificity |
| --- | --- | --- |
| this model | {m['modelAUC']:.3f} | {m['modelSensitivityAt90Specificity']:.3f} |
| SUVmax (the plain baseline) | {m['suvMaxAUC']:.3f} | {m['suvMaxSensitivityAt90Specificity']:.3f} |

AUC difference (model − SUVmax), 95 % bootstrap interval over studies: [{m['aucDifference95Interval'][0]:.3f}, {m['aucDifference95Interval'][1]:.3f}].
Validation AUC at the chosen epoch: {m['validationAUC']}.

SUVmax is a poor classifier here by construction, as in FDG practice: the hottest voxel of most studies is
the bladder, the brain or the heart, not a lesion.

## Limits
- Synthetic anatomy and noise only; real scanners, reconstructions, tracers other than FDG, motion,
  and physiological variants (brown fat, bowel, inflammation) are absent.
- Small lesions with low contrast (SUV 2.5–3 in the liver) are barely visible in the input.
- The score ranks studies for reading; it is not a diagnosis.

## Reproduce
```
swift build -c release
python3 Models/training/train_default_model.py        # regenerates the data, retrains, rewrites this card
# or only the test figures, for the committed weights:
.build/release/radtriage synth --out /tmp/radtriage-test --studies 100 --slices 200 --seed 303 --lesion-probability 0.5
python3 Models/training/evaluate_model.py --studies /tmp/radtriage-test
```
Weights: `{manifest['weights']['file']}`, SHA-256 `{m['weightsSHA256']}`.
"""
    with open(os.path.join(folder, "MODEL_CARD.md"), "w") as f:
        f.write(card)


if __name__ == "__main__":
    main()
