"""What a model's highest-scoring lesion-free studies fire on, traced through the synth's ground truth.

For each such study, the network is run (pipeline_numpy, float32) on its top key slice, the place where
its logit map peaks is turned into millimetres of the PET image frame, and that place is named by the
drawn region it lies in (`ground_truth.json`'s `regions`, painted in order, so the last one holding the
place is what shows there), or the nearest one when it lies just outside (an organ's edge, a blurred
small focus). Regions are the drawn ellipsoids: the lumpy family's bumps and the warp's bending are not
in them, so a place counts as inside up to 1.5 semi-axes out (EDGE), and beyond that as "no region"
(noise, or an organ bent past its ellipsoid).
"""
import json
import os
import re

import numpy as np

import pipeline_numpy as pipeline
from train_default_model import FIELD_OF_VIEW_MM, grid_to_mm, stack

EDGE = 1.5  # semi-axes: inside the drawn ellipsoid up to 1, at its edge up to this


def map_stride(manifest):
    """Input pixels per cell of the logit map: the product of the layers' strides."""
    stride = 1
    for layer in manifest["layers"]:
        if layer["type"] in ("conv2d", "maxPool2d", "avgPool2d"):
            stride *= layer.get("stride", layer.get("kernel", [1]))[0]
    return stride


def structure(name):
    """A region's kind without side and index: ureter-right-4 → ureter, brown-fat-0-3 → brown-fat."""
    return re.sub(r"(-(right|left|\d+))+$", "", name)


def named_place(point_mm, regions):
    """(kind, at the edge?) of the region showing at a point: the last painted one holding it, else the
    nearest within EDGE semi-axes; ("no region", False) beyond."""
    best, inside = None, None
    for region in regions:
        offset = (np.asarray(point_mm) - np.asarray(region["centreMm"])) / np.maximum(region["semiAxesMm"], 1e-6)
        distance = float(np.sqrt((offset ** 2).sum()))
        if distance <= 1.0:
            inside = region
        if best is None or distance < best[0]:
            best = (distance, region)
    if inside is not None:
        return structure(inside["name"]), False
    if best is not None and best[0] <= EDGE:
        return structure(best[1]["name"]), True
    return "no region", False


def slice_inputs(folder, manifest, index):
    """Slice `index` as the network sees it, [1, C, H, W], with the series' slice spacing and pixel size."""
    with open(os.path.join(folder, "study.json")) as f:
        series = next(s for s in json.load(f)["series"] if s["modality"] == "PT")
    spacing, pixel_mm = series["sliceSpacingMm"], series["pixelSpacingMm"][0]
    offsets = manifest["input"].get("sliceOffsetsMm", [0.0])
    reach = int(np.ceil(max(abs(o) for o in offsets) / spacing)) + 1
    indices = list(range(max(0, index - reach), min(len(series["slices"]), index + reach + 1)))
    volume, _ = pipeline.study_inputs(folder, manifest, indices)
    x = stack(volume, [indices.index(index)], spacing, offsets).transpose(0, 3, 1, 2).astype(np.float32)
    return x, spacing, pixel_mm


def hottest_near(image, row, column, radius):
    """The hottest pixel (row, column) of a 2-D model-grid image within `radius` pixels of (row, column)."""
    top, left = max(0, int(row) - radius), max(0, int(column) - radius)
    window = image[top:int(row) + radius + 1, left:int(column) + radius + 1]
    dy, dx = np.unravel_index(int(np.argmax(window)), window.shape)
    return top + dy, left + dx


def peak_place_mm(folder, manifest, weights, index):
    """Where the network's logit map peaks in slice `index`, in millimetres of the PET image frame."""
    x, spacing, pixel_mm = slice_inputs(folder, manifest, index)
    cells = pipeline.logit_map(manifest, weights, x)[0]
    cell_row, cell_column = np.unravel_index(int(np.argmax(cells)), cells.shape)
    # A cell is several pixels wide, wider than the small foci that fool the network: the place is the
    # hottest pixel of the cell and 2 pixels around it.
    stride = map_stride(manifest)
    centre = (np.array([cell_row, cell_column]) + 0.5) * stride - 0.5
    row, column = hottest_near(x[0, x.shape[1] // 2], round(centre[0]), round(centre[1]), stride // 2 + 2)
    model_pixel_mm = FIELD_OF_VIEW_MM / manifest["input"]["width"]
    return [grid_to_mm(column, pixel_mm, model_pixel_mm), grid_to_mm(row, pixel_mm, model_pixel_mm), index * spacing]


def causes(model_folder, negatives):
    """negatives: [(folder, ground truth, score result)] of the studies to trace, highest first.
    Returns [{"study", "keySlice", "placeMm", "structure", "edge"}]; a study whose ground truth has no
    regions (written before they were) is left out."""
    manifest, weights = pipeline.load_model(model_folder)
    traced = []
    for folder, truth, result in negatives:
        if not truth.get("regions"):
            continue
        index = result["keySlices"][0]["index"]
        place = peak_place_mm(folder, manifest, weights, index)
        kind, edge = named_place(place, truth["regions"])
        traced.append({"study": truth["studyId"], "keySlice": index, "placeMm": [round(v, 1) for v in place],
                       "structure": kind, "edge": edge})
    return traced


def tally(traced):
    """Counts by structure, most frequent first, with how many of them lay at the edge."""
    counts = {}
    for t in traced:
        cell = counts.setdefault(t["structure"], [0, 0])
        cell[0] += 1
        cell[1] += int(t["edge"])
    return [{"structure": k, "studies": v[0], "atEdge": v[1]} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))]
