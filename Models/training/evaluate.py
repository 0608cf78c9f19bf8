#!/usr/bin/env python3
"""The default model's honest evaluation, in one command (from the repository root, after `make release`):

    .build/venv/bin/python Models/training/evaluate.py   # writes Models/pet-default/evaluation.json and MODEL_CARD.md

Test sets, written by `radtriage synth` with seeds that training and validation never used and cached
under .build/evaluation/:
  - held-out seeds of the two training families (`analytic`, `basic`);
  - the held-out family `lumpy`, never used in training or validation (other organ shapes and
    placement, 5–8 mm resolution, correlated noise; Docs/Synthesis.md).
Every study is scored by radtriage itself (`radtriage score --json`), and three rankings are measured on
each set: the model's probability, SUVmax (the plain baseline), and the focal-uptake baseline (the
strongest focal candidate's contrast to its surroundings). Figures: AUC with a bootstrap 95 % interval
over studies, sensitivity at 90 % specificity, for the model the expected calibration error with its
reliability table and the error a perfectly calibrated model would show on as many studies, the share
of lesion studies whose key slices contain a lesion (for the focal baseline: whose strongest candidate
lies in a lesion), and detection by lesion size, contrast and site.

What the highest-scoring lesion-free studies fire on is traced through each study's ground truth
(false_positives.py), which runs the network in numpy on their key slices.

Needs numpy and Pillow: `make test-venv` makes .build/venv with both, then
`.build/venv/bin/python Models/training/evaluate.py`.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synth_cache import cached_studies  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_DIR = os.path.join(ROOT, "Models", "pet-default")
CACHE = os.path.join(ROOT, ".build", "evaluation")

# (name, family, studies, slices, seed, lesion probability[, PET matrix]); none of these seeds is used in training.
# The held-out family is the set every target is judged on, so it is the largest: at 80 studies its
# AUC's bootstrap interval was too wide to tell two candidate models apart. The 200 studies come from
# the same seed, so the first 80 are the earlier set; the size was fixed before any result on it.
TEST_SETS = [
    ("held-out-family-lumpy", "lumpy", 200, 210, 4401, 0.5),
    ("held-out-seeds-analytic", "analytic", 60, 200, 3301, 0.5),
    ("held-out-seeds-basic", "basic", 40, 200, 3302, 0.5),
    ("held-out-seeds-warped", "warped", 60, 200, 3303, 0.5),
    ("held-out-seeds-analytic-128", "analytic", 40, 200, 3304, 0.5, 128),  # a 128 × 128 PET matrix
]
# "model" is the probability radtriage ranks by (the calibrated combination of the network's logit and
# the focal baseline, as the manifest says); "network" is the network's logit alone.
RANKINGS = ["model", "network", "focal", "suvMax"]


def synthesize(radtriage, spec):
    name, family, studies, slices, seed, probability, *matrix = spec
    return cached_studies(radtriage, os.path.join(CACHE, name), family, studies, slices, seed, probability, 1, *matrix)


def score(radtriage, model, folders):
    run = subprocess.run(["nice", "-n", "10", radtriage, "score", "--model", model, "--json", *folders], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"radtriage score failed ({run.returncode}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    if report["failed"]:
        sys.exit(f"{len(report['failed'])} test studies failed to score: {report['failed'][0]}")
    return report


def auc(scores, labels):
    positives, negatives = scores[labels == 1], scores[labels == 0]
    greater = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(greater / (len(positives) * len(negatives)))


def bootstrap_interval(statistic, labels, rounds=1000, seed=1):
    """The 95 % interval of statistic(pick) over studies resampled with replacement (`pick` indexes the
    studies), leaving out resamples with only one class."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        pick = rng.integers(0, len(labels), len(labels))
        if labels[pick].min() != labels[pick].max():
            values.append(statistic(pick))
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def bootstrap_auc(scores, labels, rounds=1000, seed=1):
    return bootstrap_interval(lambda pick: auc(scores[pick], labels[pick]), labels, rounds, seed)


def threshold_at_specificity(scores, labels, specificity=0.9):
    """The lowest threshold that keeps at least `specificity` of the negatives at or below it."""
    negatives = np.sort(scores[labels == 0])
    return float(negatives[int(np.ceil(specificity * len(negatives))) - 1])


def sensitivity_at_specificity(scores, labels, specificity=0.9):
    """The share of positives above threshold_at_specificity."""
    return float((scores[labels == 1] > threshold_at_specificity(scores, labels, specificity)).mean())


def calibration(probabilities, labels, bins=10):
    """Expected calibration error over equal-width bins, and the reliability table."""
    table, error = [], 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = (probabilities >= low) & ((probabilities < high) if b < bins - 1 else (probabilities <= high))
        if inside.sum() == 0:
            table.append({"bin": [low, high], "studies": 0})
            continue
        mean_p, observed = float(probabilities[inside].mean()), float(labels[inside].mean())
        error += inside.sum() / len(labels) * abs(mean_p - observed)
        table.append({"bin": [low, high], "studies": int(inside.sum()), "meanProbability": mean_p, "lesionShare": observed})
    return float(error), table


def calibration_error_if_calibrated(probabilities, rounds=2000, seed=1):
    """The sampling floor of `calibration`: the median and 95th percentile of the ECE that a perfectly
    calibrated model with these probabilities would show, its labels drawn as Bernoulli(p). On a few dozen
    studies in 10 bins this floor is itself near 0.1, so an ECE is judged against it, not against zero."""
    rng = np.random.default_rng(seed)
    errors = [calibration(probabilities, (rng.random(len(probabilities)) < probabilities).astype(int))[0] for _ in range(rounds)]
    return [float(np.median(errors)), float(np.percentile(errors, 95))]


def lesion_slices(lesion, spacing, count):
    centre, radius = lesion["centreVoxel"][2], lesion["diameterMm"] / 2
    return {i for i in range(count) if abs(i - centre) * spacing <= radius}


def in_lesion(position_mm, lesion, margin_mm=3.0):
    offset = np.array(position_mm) - np.array(lesion["centreMm"])
    return float(np.sqrt((offset ** 2).sum())) <= lesion["diameterMm"] / 2 + margin_mm


def size_bin(d):
    return "5–10 mm" if d < 10 else "10–20 mm" if d < 20 else "20–30 mm"


def contrast_bin(lesion):
    c = lesion.get("contrast")
    if c is None:
        s = lesion["suv"]
        return "SUV <4" if s < 4 else "SUV 4–8" if s < 8 else "SUV ≥8"
    return "1.5–3 ×" if c < 3 else "3–6 ×" if c < 6 else "6–15 ×"


def site_group(site):
    for group in ("node", "lung", "liver", "bone", "spine", "soft-tissue"):
        if group in site:
            return "bone" if group == "spine" else group
    return site


def peak_contrast_quantiles(truths):
    """How visible the lesions of a set are: per lesion study, its most visible lesion's noiseless blurred peak
    (expectedSuvMax) over its surroundings, as quartiles, and the share under 2 ×. A set whose lesions mostly
    peak well above their surroundings misses them for its false positives, not for invisible lesions."""
    best = []
    for truth in truths:
        if truth["hasLesion"]:
            best.append(max(l["expectedSuvMax"] / (l["suv"] / l["contrast"]) if l.get("contrast") else float("nan")
                            for l in truth["lesions"]))
    best = np.array(best, dtype=np.float64)
    if not len(best) or np.isnan(best).all():
        return None  # the basic family draws uptake in SUV, not as a contrast
    return {"quartiles": [round(float(q), 2) for q in np.nanquantile(best, [0.25, 0.5, 0.75])],
            "shareUnder2": round(float(np.mean(best < 2)), 3)}


def evaluate_set(name, studies, report):
    truths, spacings, results = [], [], []
    by_path = {r["path"]: r for r in report["scored"]}
    for folder in studies:
        with open(os.path.join(folder, "ground_truth.json")) as f:
            truths.append(json.load(f))
        with open(os.path.join(folder, "study.json")) as f:
            spacings.append(next(s for s in json.load(f)["series"] if s["modality"] == "PT")["sliceSpacingMm"])
        results.append(by_path[folder] if folder in by_path else by_path[os.path.realpath(folder)])
    labels = np.array([1 if t["hasLesion"] else 0 for t in truths])
    focal = [r["evidence"].get("focalUptake") or {"candidates": []} for r in results]
    scores = {
        "model": np.array([r["probability"] for r in results]),
        "network": np.array([r["logit"] for r in results]),
        "suvMax": np.array([r["evidence"]["suvMax"] for r in results]),
        # The focal baseline ranks its candidates by contrast to their surroundings (FocalUptake.score), so
        # the study's focal score is its strongest candidate's contrast, as calibrate.py reads it.
        "focal": np.array([f["candidates"][0]["contrast"] if f["candidates"] else 0.0 for f in focal]),
    }
    out = {"studies": int(len(labels)), "lesionStudies": int(labels.sum()), "rankings": {},
           "bestLesionPeakContrast": peak_contrast_quantiles(truths)}
    for ranking in RANKINGS:
        s = scores[ranking]
        threshold = threshold_at_specificity(s, labels)
        flagged = s > threshold
        entry = {"auc": auc(s, labels), "auc95": bootstrap_auc(s, labels),
                 "sensitivityAt90Specificity": sensitivity_at_specificity(s, labels), "thresholdAt90Specificity": threshold}
        # Localisation: does what the ranking points at lie in a lesion?
        hits, detection = [], {}
        for t, r, f, spacing, flag in zip(truths, results, focal, spacings, flagged):
            if not t["hasLesion"]:
                continue
            if ranking in ("model", "network"):
                key = {k["index"] for k in r["keySlices"]}
                hit_each = [bool(key & lesion_slices(l, spacing, len(r["sliceLogits"]))) for l in t["lesions"]]
            elif ranking == "focal":
                top = f["candidates"][:1]
                hit_each = [any(in_lesion(c["peakPositionMm"], l) for c in top) for l in t["lesions"]]
            else:
                hit_each = [in_lesion(r["evidence"]["suvMaxPositionMm"], l) for l in t["lesions"]]
            hits.append(any(hit_each))
            for lesion, hit in zip(t["lesions"], hit_each):
                for axis, value in (("size", size_bin(lesion["diameterMm"])), ("contrast", contrast_bin(lesion)),
                                    ("site", site_group(lesion["site"]))):
                    cell = detection.setdefault(axis, {}).setdefault(value, [0, 0])
                    cell[0] += 1
                    cell[1] += int(bool(flag) and hit)
        entry["localised"] = float(np.mean(hits)) if hits else float("nan")
        entry["detectionAt90Specificity"] = {axis: {k: {"lesions": v[0], "detected": v[1]} for k, v in sorted(cells.items())}
                                             for axis, cells in detection.items()}
        if ranking == "model":
            entry["ece"], entry["reliability"] = calibration(s, labels)
            entry["eceIfCalibrated"] = calibration_error_if_calibrated(s)
            entry["shareAbove0.99"] = float((s > 0.99).mean())
            entry["specificityAt0.5"] = float((s[labels == 0] <= 0.5).mean())
        out["rankings"][ranking] = entry
    return out


def trace_false_positives(model, studies, report, share=0.25):
    """The causes of the highest-scoring `share` of a set's lesion-free studies (false_positives.py)."""
    import false_positives  # here, not above: it needs Pillow, which compare.py and calibrate.py do not
    by_path = {os.path.realpath(r["path"]): r for r in report["scored"]}
    negatives = []
    for folder in studies:
        with open(os.path.join(folder, "ground_truth.json")) as f:
            truth = json.load(f)
        if not truth["hasLesion"]:
            negatives.append((folder, truth, by_path[os.path.realpath(folder)]))
    negatives.sort(key=lambda n: -n[2]["probability"])
    traced = false_positives.causes(model, negatives[:max(1, round(share * len(negatives)))])
    return {"negatives": len(negatives), "traced": len(traced), "byStructure": false_positives.tally(traced), "studies": traced}


def card(manifest, metrics, training):
    lines = []
    lines.append(f"# Model card: {manifest['name']} {manifest['version']}\n")
    lines.append("**Not for clinical use.** Trained and tested on synthetic phantoms only; it has never seen a patient, "
                 "a real scanner or a tracer other than an FDG-like uptake pattern.\n")
    if training.get("note"):
        lines.append(f"**Status.** {training['note']}\n")
    lines.append("## What it does\n")
    offsets = manifest["input"].get("sliceOffsetsMm", [0])
    context = (f"{len(offsets)} channels: the slice and the series at {', '.join(f'{o:+g}' for o in offsets if o)} mm along the "
               "body axis (linear interpolation between slices), so that the top of a hot organ, which grows in the next "
               "slice, can be told from a sphere, which does not" if len(offsets) > 1 else
               "one channel: the slice alone (2-D; it cannot tell the tangential top of a hot organ from a sphere)")
    calibration = manifest.get("calibration")
    if calibration and "focalWeight" not in calibration:
        probability = (f"The study probability is calibrated on the validation studies by temperature scaling (maximum "
                       f"likelihood): sigmoid(logit / {calibration['temperature']:.3f} {calibration.get('bias', 0):+.3f}); the "
                       "manifest carries the validation studies' calibrated probabilities for the out-of-distribution guard.")
    elif calibration:
        probability = (f"The study probability combines it with the focal-uptake baseline (which learns nothing: 3-D hot spots "
                       f"smaller than an organ, README \"The model\"), fitted on the validation studies by maximum likelihood: "
                       f"sigmoid(logit / {calibration['temperature']:.3f} {calibration.get('bias', 0):+.3f} "
                       f"{calibration.get('focalWeight', 0):+.3f} · ln(1 + focal contrast)).")
    else:
        probability = ("The study probability is the plain sigmoid of that logit: it is NOT calibrated (the reliability "
                       "tables below show how far from it); the manifest carries no validation scores, so the "
                       "out-of-distribution guard is silent for this model.")
    lines.append(f"Scores each PET slice with a logit for \"a lesion crosses this slice\". Input: SUV, area-averaged to "
                 f"{manifest['input']['height']} × {manifest['input']['width']}, clipped to [{manifest['input']['clipMin']}, "
                 f"{manifest['input']['clipMax']}] and scaled by {manifest['input']['scale']}; {context}. "
                 f"The study's logit is the mean of its {manifest['aggregation']['k']} highest slice logits (the key slices). "
                 + probability + "\n")
    layers = ", ".join(f"conv {l['kernel'][0]}×{l['kernel'][1]} {l['inChannels']}→{l['outChannels']}" if l["type"] == "conv2d"
                       else f"dense {l['inFeatures']}→{l['outFeatures']}" if l["type"] == "dense" else l["type"] for l in manifest["layers"])
    lines.append(f"Architecture: {layers}. Cost: {metrics['flopsPerSlice'] / 1e6:.1f} MFLOP per slice. PET only: "
                 "CT was not tried as an input (see Limits).\n")
    if training.get("history"):
        lines.append(f"Trained with {training.get('torch') and 'PyTorch ' + training['torch'] or 'numpy'} by `{training.get('trainer')}`: "
                     f"{training['positiveSlices']} positive and {training['negativeSlices']} negative training slices, 64 × 64 crops "
                     f"(positives at the lesion, negatives at the hottest spot, at random, and hard negatives mined over whole slices; "
                     f"{'the logit map supervised cell by cell, a lesion positive and everything beside it negative, and ' if training.get('denseSupervision') else ''}"
                     f"the slice's maximum as a whole), "
                     + (f"lesions inserted into {training['insertedLesions']:.0%} of the negative crops (ellipsoids of 5–30 mm at "
                        "1.5–15 × their surroundings, some necrotic, blurred like the scanner's; `lesion_insertion.py`), "
                        if training.get("insertedLesions") else "")
                     + "augmented by intensity scale, blur, "
                     + (f"noise (up to {training['noiseUpTo']:g} × the training families' own, independent or correlated), "
                        if training.get("noiseUpTo") else "noise, ")
                     + f"{'smooth deformations, ' if training.get('smoothDeformation') else ''}"
                     + (f"local bumps and notches on organ edges away from lesions ({training['bulges']:.0%} of the crops), "
                        if training.get("bulges") else "")
                     + f"left-right flips and zoom. Shipped: epoch {training['epoch']}, the one with "
                     f"the best validation study AUC ({training['validationAUC']:.3f}, every slice of each validation study scored by radtriage).\n")
    lines.append("## What it has seen, and what not\n")
    families = sorted({spec[1] for spec in training["trainingSets"]})
    lines.append(f"Trained on `radtriage synth` phantoms of the famil{'ies' if len(families) > 1 else 'y'} "
                 f"{', '.join(f'`{f}`' for f in families[:-1])}{' and ' if len(families) > 1 else ''}`{families[-1]}` only "
                 "(Docs/Synthesis.md lists every range). Training sets: "
                 + "; ".join(f"{s[0]}: {s[2]} studies of {s[3]} slices" + (f" at {s[7]} × {s[7]}" if len(s) > 7 else "")
                             for s in training["trainingSets"])
                 + ". Validation (epoch choice): "
                 + "; ".join(f"{s[0]}: {s[2]} studies" for s in training["validationSets"])
                 + f". Validation AUC at the chosen epoch: {training['validationAUC']:.3f}. "
                 + ("It has never seen the families `analytic` and `lumpy` (urinary tract with ureters, injection sites, "
                    "brown fat, muscle, bowel, spleen, head and neck glands, brain structure, arms, habitus, lesions by "
                    "contrast; `lumpy` also other organ shapes, resolution and noise texture): the figures on them below "
                    "are what it does on physiology it was not trained for. " if "analytic" not in families else
                    "The `lumpy` family (other organ shapes and placement, 5–8 mm resolution, correlated noise) was never "
                    "used in training or validation. ")
                 + "It has never seen real anatomy or scanners, motion, attenuation artefacts, metal, tracers other than "
                 "FDG-like uptake, inflammation or children.\n")
    lines.append("## Measured (scored by radtriage itself; `.build/venv/bin/python Models/training/evaluate.py`)\n")
    for name, m in metrics["sets"].items():
        lines.append(f"### {name}: {m['studies']} studies, {m['lesionStudies']} with lesions\n")
        if m.get("bestLesionPeakContrast"):
            v = m["bestLesionPeakContrast"]
            lines.append(f"How visible its lesions are: in each lesion study the most visible lesion's noiseless peak over its "
                         f"surroundings has quartiles {v['quartiles'][0]:.1f}, {v['quartiles'][1]:.1f} and {v['quartiles'][2]:.1f} ×; "
                         f"{v['shareUnder2']:.0%} of lesion studies peak under 2 ×.\n")
        lines.append("| ranking by | AUC (95 % interval) | sensitivity at 90 % specificity | localised |")
        lines.append("| --- | --- | --- | --- |")
        combined = (manifest.get("calibration") or {}).get("focalWeight") is not None
        for ranking, label in (("model", "**this model** (network + focal baseline, calibrated: what radtriage ranks by)" if combined
                                else "**this model** (its probability: what radtriage ranks by)"),
                               ("network", "the network alone (its study logit)"),
                               ("focal", "focal-uptake baseline alone (contrast of the strongest candidate to its surroundings)"), ("suvMax", "SUVmax")):
            r = m["rankings"][ranking]
            lines.append(f"| {label} | {r['auc']:.3f} ({r['auc95'][0]:.3f}–{r['auc95'][1]:.3f}) | "
                         f"{r['sensitivityAt90Specificity']:.2f} | {r['localised']:.2f} |")
        r = m["rankings"]["model"]
        lines.append("")
        floor = (f" (a perfectly calibrated model with these probabilities would show {r['eceIfCalibrated'][0]:.3f}, "
                 f"95th percentile {r['eceIfCalibrated'][1]:.3f}, on this many studies)" if "eceIfCalibrated" in r else "")
        lines.append(f"Model calibration: expected calibration error {r['ece']:.3f}{floor}; specificity at p = 0.5: "
                     f"{r['specificityAt0.5']:.2f}; studies above 0.99: {r['shareAbove0.99']:.2f}. Reliability:")
        lines.append("")
        lines.append("| probability | studies | mean probability | share with lesions |")
        lines.append("| --- | --- | --- | --- |")
        for row in r["reliability"]:
            if row["studies"]:
                lines.append(f"| {row['bin'][0]:.1f}–{row['bin'][1]:.1f} | {row['studies']} | {row['meanProbability']:.2f} | {row['lesionShare']:.2f} |")
        lines.append("")
        lines.append("Lesions detected at 90 % specificity (study flagged, and the ranking's pointer in the lesion: a key "
                     "slice through it for the model, the strongest candidate in it for the focal baseline, the hottest voxel "
                     "in it for SUVmax):")
        lines.append("")
        lines.append("| lesions by | group | lesions | model | network alone | focal | SUVmax |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for axis in ("size", "contrast", "site"):
            for group, cell in m["rankings"]["model"]["detectionAt90Specificity"].get(axis, {}).items():
                others = [m["rankings"][k]["detectionAt90Specificity"][axis][group]["detected"] for k in ("network", "focal", "suvMax")]
                lines.append(f"| {axis} | {group} | {cell['lesions']} | {cell['detected']} | " + " | ".join(map(str, others)) + " |")
        lines.append("")
        traced = m.get("falsePositives")
        if traced and traced["byStructure"]:
            lines.append(f"What its {traced['traced']} highest-scoring lesion-free studies (the top quarter of {traced['negatives']}) "
                         "fire on, at the peak of the logit map in the top key slice, named by the region drawn there "
                         "(`false_positives.py`): " + ", ".join(
                             f"{c['structure']} {c['studies']}" + (f" ({c['atEdge']} at its edge)" if c["atEdge"] else "")
                             for c in traced["byStructure"]) + ".\n")
    lines.append("\"Localised\": the share of lesion studies whose key slices contain a lesion (model), whose strongest focal "
                 "candidate lies in a lesion (focal), or whose hottest voxel does (SUVmax).\n")
    lines.append("## Limits\n")
    lines.append("- Synthetic anatomy and noise only. The held-out family tests other shapes, resolution and noise texture, "
                 "but it was written by the same people with the same organ list; phantoms made independently may score lower.")
    lines.append("- Lesions of 5–8 mm or under 2 × their surroundings are barely visible at this resolution and noise; "
                 "the detection tables show how many are missed.")
    lines.append("- CT was not used: decoding a 512 × 512 CT slice costs several times a PET slice, and its benefit was not measured.")
    lines.append("- The score ranks studies for reading; it is not a diagnosis.\n")
    trainer = training.get("trainer", "Models/training/train_default_model.py")
    lines.append("## Reproduce\n```\nmake release\n"
                 + (f"python3 -m venv .build/venv-train && .build/venv-train/bin/pip install torch safetensors numpy pillow\n"
                    f".build/venv-train/bin/python {trainer}      # PyTorch, CPU\n" if "torch" in trainer else
                    f"OPENBLAS_NUM_THREADS=2 nice -n 10 python3 {trainer}   # numpy + Pillow\n")
                 + "python3 Models/training/calibrate.py" + (" --no-focal" if "focalWeight" not in (manifest.get("calibration") or {}) else "")
                 + "                 # numpy: temperature scaling on the validation studies\n"
                 ".build/venv/bin/python Models/training/evaluate.py   # numpy and Pillow: this card\n"
                 "python3 Models/training/model_exchange.py --model Models/pet-default STUDY...   # PyTorch = radtriage\n```")
    lines.append(f"Weights: `{manifest['weights']['file']}`, SHA-256 `{manifest['weights']['sha256']}`.")
    return "\n".join(lines) + "\n"


def flops_per_slice(manifest):
    channels, height, width, total = len(manifest["input"].get("sliceOffsetsMm", [0])), manifest["input"]["height"], manifest["input"]["width"], 0
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
    parser.add_argument("--model", default=MODEL_DIR)
    parser.add_argument("--no-card", action="store_true", help="print the figures only")
    args = parser.parse_args()
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(args.model, "manifest.json")) as f:
        manifest = json.load(f)
    metrics = {"model": f"{manifest['name']}@{manifest['version']}", "weightsSHA256": manifest["weights"]["sha256"],
               "flopsPerSlice": flops_per_slice(manifest), "sets": {}}
    for spec in TEST_SETS:
        studies = synthesize(args.radtriage, spec)
        report = score(args.radtriage, args.model, studies)
        with open(os.path.join(CACHE, f"{spec[0]}.scores.json"), "w") as f:
            json.dump(report, f)  # every study's scores, for analyses beyond this card
        metrics["sets"][spec[0]] = evaluate_set(spec[0], studies, report)
        metrics["sets"][spec[0]]["falsePositives"] = trace_false_positives(args.model, studies, report)
        summary = {k: round(v["auc"], 3) for k, v in metrics["sets"][spec[0]]["rankings"].items()}
        print(f"{spec[0]}: AUC {summary}", flush=True)
    with open(os.path.join(args.model, "evaluation.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    # The summary other tools read (radtriage simulate cites it): the held-out family's figures.
    held_out = metrics["sets"][TEST_SETS[0][0]]["rankings"]
    with open(os.path.join(args.model, "metrics.json"), "w") as f:
        json.dump({"model": metrics["model"], "weightsSHA256": metrics["weightsSHA256"], "testSet": TEST_SETS[0][0],
                   "testStudies": metrics["sets"][TEST_SETS[0][0]]["studies"],
                   "testStudiesWithLesions": metrics["sets"][TEST_SETS[0][0]]["lesionStudies"],
                   "modelAUC": held_out["model"]["auc"], "modelSensitivityAt90Specificity": held_out["model"]["sensitivityAt90Specificity"],
                   "suvMaxAUC": held_out["suvMax"]["auc"], "suvMaxSensitivityAt90Specificity": held_out["suvMax"]["sensitivityAt90Specificity"],
                   "focalAUC": held_out["focal"]["auc"], "flopsPerSlice": metrics["flopsPerSlice"]}, f, indent=2)
        f.write("\n")
    if not args.no_card:
        with open(os.path.join(args.model, "training.json")) as f:
            training = json.load(f)
        with open(os.path.join(args.model, "MODEL_CARD.md"), "w") as f:
            f.write(card(manifest, metrics, training))
    print(json.dumps({name: {k: {"auc": round(v["auc"], 3), "se90": round(v["sensitivityAt90Specificity"], 3),
                                 "localised": round(v["localised"], 3), **({"ece": round(v["ece"], 3)} if "ece" in v else {})}
                             for k, v in m["rankings"].items()} for name, m in metrics["sets"].items()}, indent=1))


if __name__ == "__main__":
    main()
