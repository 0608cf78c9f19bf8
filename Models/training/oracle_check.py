#!/usr/bin/env python3
"""Checks that what the evaluation measures is there to be found, on synthetic studies with ground truth:

    python3 Models/training/oracle_check.py [--radtriage .build/release/radtriage] STUDY...

1. Every lesion is in the volume radtriage reads (the stored PET slices, as SUV) where its ground truth
   says: the centre voxel reads the expected (noiseless) SUVmax within the noise, and the table gives its
   value over the local background (the median of the surrounding 70 × 70 × 40 mm outside the lesion).
2. The evaluation's own bookkeeping (evaluate.py's evaluate_set): rankings that know the truth (the
   lesion studies first, key slices, focal candidate and hottest voxel at each lesion's centre) must
   score AUC 1 and localise every lesion study; rankings pointing away from every lesion must localise none.
3. The false-positive trace (false_positives.py) places what it finds where the ground truth says.
4. For the studies without lesions, radtriage's strongest focal candidates and the model's key slices:
   the physiology that competes with lesions (injection sites, urine, brown fat, bowel, glands).

Prints a report; exit status 1 when check 1, 2 or 3 fails. Needs numpy and Pillow.
"""
import argparse
import copy
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate  # noqa: E402
import pipeline_numpy as pipeline  # noqa: E402


def suv_volume(folder):
    """[slice, row, column] SUV, slices in file order (the order radtriage reads them)."""
    sidecar, series, slices = pipeline.read_study(folder, "PT")
    factor = pipeline.suv_per_bqml(sidecar, series)
    return np.stack([(pipeline.decode(path) * slope + intercept) * factor for path, slope, intercept in slices]), series


def lesion_rows(folder, truth):
    volume, series = suv_volume(folder)
    pixel, spacing = series["pixelSpacingMm"][0], series["sliceSpacingMm"]
    noise = truth.get("noiseLevel", 1.0)
    rows = []
    for lesion in truth["lesions"]:
        column, row, index = lesion["centreVoxel"]
        value = float(volume[index, row, column])
        # The noise is 0.15·√SUV per voxel (Docs/Synthesis.md) times the study's level; 5 of them is a miss.
        allowed = 5 * 0.15 * np.sqrt(max(lesion["expectedSuvMax"], 0.05)) * noise + 1e-3 * lesion["expectedSuvMax"]
        reach = (int(35 / pixel), int(20 / spacing))
        box = volume[max(index - reach[1], 0):index + reach[1] + 1, max(row - reach[0], 0):row + reach[0] + 1,
                     max(column - reach[0], 0):column + reach[0] + 1]
        z, y, x = np.meshgrid(np.arange(box.shape[0]) * spacing, np.arange(box.shape[1]) * pixel, np.arange(box.shape[2]) * pixel, indexing="ij")
        centre = ((index - max(index - reach[1], 0)) * spacing, (row - max(row - reach[0], 0)) * pixel, (column - max(column - reach[0], 0)) * pixel)
        outside = np.sqrt((z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2) > lesion["diameterMm"] / 2 + 10
        background = float(np.median(box[outside])) if outside.any() else float("nan")
        rows.append({"study": os.path.basename(folder), "site": lesion["site"], "diameterMm": round(lesion["diameterMm"], 1),
                     "contrast": lesion.get("contrast") and round(lesion["contrast"], 2), "expected": round(lesion["expectedSuvMax"], 2),
                     "atCentre": round(value, 2), "overBackground": round(value / background, 2) if background > 0 else None,
                     "inPlace": bool(abs(value - lesion["expectedSuvMax"]) <= allowed)})
    return rows


def place_failures(folders, truths, model):
    """Check 3: the false-positive trace (false_positives.py) and the training scripts map places as the
    ground truth does (train_default_model.mm_to_grid and grid_to_mm). Each
    lesion's centre in millimetres must fall, on the model grid, in the pixel that holds its centre voxel
    (the same pixel for a grid as fine as the series, the voxel's block of the area average otherwise), and
    map back to the same millimetres; and the trace must name the drawn region at the centre of every
    region that nothing later painted covers there (the last painted wins, not an organ drawn under it)."""
    import false_positives as fp
    from train_default_model import grid_to_mm, mm_to_grid
    manifest, _ = pipeline.load_model(model)
    grid = manifest["input"]["width"]
    model_pixel_mm = fp.FIELD_OF_VIEW_MM / grid
    failures, placed = [], 0
    for folder, truth in zip(folders, truths):
        with open(os.path.join(folder, "study.json")) as f:
            series = next(s for s in json.load(f)["series"] if s["modality"] == "PT")
        pixel_mm, matrix = series["pixelSpacingMm"][0], round(fp.FIELD_OF_VIEW_MM / series["pixelSpacingMm"][0])
        for lesion in truth["lesions"]:
            for axis in (0, 1):
                on_grid = mm_to_grid(lesion["centreMm"][axis], pixel_mm, model_pixel_mm)
                expected = (lesion["centreVoxel"][axis] + 0.5) * grid / matrix - 0.5  # the voxel's centre on the grid
                back = grid_to_mm(on_grid, pixel_mm, model_pixel_mm)
                placed += 1
                if abs(on_grid - expected) > 1e-6 or abs(back - lesion["centreMm"][axis]) > 1e-6:
                    failures.append(f"{truth['studyId']} {lesion['site']}: axis {axis} at {on_grid:.3f} on the model grid, "
                                    f"its voxel at {expected:.3f}, back to {back:.3f} mm from {lesion['centreMm'][axis]} mm")
        for index, region in enumerate(truth.get("regions") or []):
            later = [fp.named_place(region["centreMm"], [r])[0] for r in truth["regions"][index + 1:]]
            if any(kind != "no region" for kind in later):
                continue  # covered at its centre by a later region, or beside one
            if fp.named_place(region["centreMm"], truth["regions"])[0] != fp.structure(region["name"]):
                failures.append(f"{truth['studyId']}: the trace does not name {region['name']} at its own centre")
    print(f"false-positive trace: {placed} lesion coordinates mapped, {'pass' if not failures else 'FAIL'}")
    return failures


def oracle_report(folders, truths, away=False):
    """radtriage's JSON for rankings that know which studies hold lesions and point at the first lesion's
    centre, or (away) at the slice furthest from every lesion along the body axis."""
    scored = []
    for folder, truth in zip(folders, truths):
        with open(os.path.join(folder, "study.json")) as f:
            series = next(s for s in json.load(f)["series"] if s["modality"] == "PT")
        count, spacing = len(os.listdir(os.path.join(folder, series["folder"]))), series["sliceSpacingMm"]
        score = 1.0 if truth["hasLesion"] else 0.0
        key, where = count // 2, [0.0, 0.0, count // 2 * spacing]
        if truth["lesions"]:
            first = truth["lesions"][0]
            key, where = first["centreVoxel"][2], list(first["centreMm"])
            if away:
                clearance = [min(abs(i - l["centreVoxel"][2]) * spacing - l["diameterMm"] / 2 for l in truth["lesions"]) for i in range(count)]
                key = int(np.argmax(clearance))
                where[2] = key * spacing
        scored.append({"path": folder, "probability": score, "logit": score, "keySlices": [{"index": key}], "sliceLogits": [0.0] * count,
                       "evidence": {"suvMax": score, "suvMaxPositionMm": where,
                                    "focalUptake": {"candidates": [{"suvPeak": score, "contrast": score, "peakPositionMm": where}]}}})
    return {"scored": scored, "failed": []}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(HERE, "..", "..", ".build", "release", "radtriage"))
    parser.add_argument("--model", default=os.path.join(HERE, "..", "pet-default"))
    parser.add_argument("studies", nargs="+")
    args = parser.parse_args()
    folders = sorted(os.path.abspath(f) for f in args.studies)
    truths = [json.load(open(os.path.join(f, "ground_truth.json"))) for f in folders]
    failures = []

    rows = [row for folder, truth in zip(folders, truths) for row in lesion_rows(folder, truth)]
    print("lesions in the volume radtriage reads (SUV at the ground truth's centre voxel):")
    for row in rows:
        print("  " + json.dumps(row))
    failures += [f"{r['study']} {r['site']}: {r['atCentre']} at its centre, expected {r['expected']}" for r in rows if not r["inPlace"]]

    failures += place_failures(folders, truths, args.model)

    labels = [t["hasLesion"] for t in truths]
    if any(labels) and not all(labels):
        exact = evaluate.evaluate_set("oracle", folders, oracle_report(folders, truths))
        for ranking, entry in exact["rankings"].items():
            if entry["auc"] != 1.0 or entry["localised"] != 1.0 or entry["sensitivityAt90Specificity"] != 1.0:
                failures.append(f"evaluation: an exact {ranking} ranking scores AUC {entry['auc']}, localised {entry['localised']}")
        away = evaluate.evaluate_set("away", folders, oracle_report(folders, truths, away=True))
        for ranking, entry in away["rankings"].items():
            if entry["localised"] != 0.0:
                failures.append(f"evaluation: a {ranking} ranking pointing away from every lesion is counted as localised ({entry['localised']})")
        print(f"evaluation bookkeeping: exact rankings {'pass' if not failures else 'FAIL'}")

    command = [args.radtriage, "score", "--json", "--model", args.model, *[f for f, t in zip(folders, truths) if not t["hasLesion"]]]
    if not all(labels):
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"radtriage score exited {run.returncode}: {run.stderr[-2000:]}")
        report = json.loads(run.stdout)
        print("what leads the studies without lesions (focal candidates: SUVpeak, mL, position in mm; model key slices):")
        for result in report["scored"]:
            candidates = ((result["evidence"] or {}).get("focalUptake") or {}).get("candidates", [])[:3]
            print(f"  {result['studyId']}: key slices {[k['index'] for k in result['keySlices']]}, focal " +
                  ", ".join(f"{c['suvPeak']:.1f} / {c['volumeMl']:.1f} mL at {[round(v) for v in c['peakPositionMm']]}" for c in candidates))
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
