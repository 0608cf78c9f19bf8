#!/usr/bin/env python3
"""How noisy each synth family is where the model looks: on its 128 × 128 grid, per pixel and at a lesion's scale.

    python3 Models/training/noise_check.py [--radtriage .build/release/radtriage] [--families analytic lumpy ...]

A family's noise is documented per stored pixel (Docs/Synthesis.md), but a detector sees it after the area
averaging to the model grid and judges a lesion over a few pixels: white noise mostly averages away at that
scale, noise correlated over neighbouring pixels does not. So two families with the same per-pixel level can
differ several-fold in how well a lesion stands out of them. This writes each family's studies twice with the
same seed, with noise and without (`radtriage synth --noise 0` draws the same anatomy), and measures the
difference (the noise itself) on the model grid, in units of √SUV (the synth's noise grows with √SUV):
per model pixel, and after an in-plane Gaussian of --scale-mm (the blurred profile of a lesion of about 10–20 mm),
which is the noise a lesion must rise above.

Check (when `analytic` is among the families), exit status 1 when it fails: `analytic` draws independent noise of 0.15·√SUV per stored 256 × 256 pixel,
so a 2 × 2 area mean on the model grid must show half of it.

Needs numpy and Pillow.
"""
import argparse
import math
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pipeline_numpy as pipeline  # noqa: E402
from synth_cache import write_studies  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
GRID = 128
FIELD_OF_VIEW_MM = 600.0
BODY_SUV = 0.5  # pixels of the noiseless image above this are inside the body


def synth(radtriage, folder, family, matrix, noise, studies, slices, seed):
    """Studies without lesions, at this noise level; their folders, sorted."""
    write_studies(radtriage, folder, family, studies, slices, seed, 0, 1, matrix, noise)
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if not n.startswith("."))


def model_grid_suv(folder, middle_share=0.4):
    """The study's middle slices (chest to pelvis, where lesions compete with organs) as SUV on the model grid."""
    sidecar, series, slices = pipeline.read_study(folder, "PT")
    factor = pipeline.suv_per_bqml(sidecar, series)
    begin = int(len(slices) * (1 - middle_share) / 2)
    resample = None
    out = []
    for path, slope, intercept in slices[begin:begin + int(len(slices) * middle_share)]:
        suv = (pipeline.decode(path) * slope + intercept) * factor
        resample = resample or pipeline.Resampler(suv.shape, (GRID, GRID))
        out.append(resample(suv))
    return np.stack(out).astype(np.float64)


def gaussian_blur(image, sigma_pixels):
    """Separable in-plane Gaussian of [slices, H, W] (numpy only), zero outside the image (the body lies well inside it)."""
    radius = int(math.ceil(3 * sigma_pixels))
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (x / sigma_pixels) ** 2)
    kernel /= kernel.sum()
    rows = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), 1, image)
    return np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), 2, rows)


def measure(noisy_folders, clean_folders, scale_mm):
    """Per-pixel and lesion-scale noise over the body, in √SUV, pooled over the studies."""
    sigma = scale_mm / (FIELD_OF_VIEW_MM / GRID)
    per_pixel, at_scale = [], []
    for noisy, clean in zip(noisy_folders, clean_folders):
        truth, seen = model_grid_suv(clean), model_grid_suv(noisy)
        body = truth > BODY_SUV
        root = np.sqrt(truth[body])
        noise = seen - truth
        per_pixel.append(noise[body] / root)
        at_scale.append(gaussian_blur(noise, sigma)[body] / root)
    return float(np.concatenate(per_pixel).std()), float(np.concatenate(at_scale).std())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    parser.add_argument("--families", nargs="+", default=["analytic", "warped", "lumpy", "analytic@128"],
                        help="family[@matrix]: the PET matrix the studies are written at (default 256)")
    parser.add_argument("--studies", type=int, default=3)
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--scale-mm", type=float, default=5.0)
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="radtriage-noise-check-") as scratch:
        for entry in args.families:
            family, _, matrix = entry.partition("@")
            matrix = int(matrix or 256)
            folders = [synth(args.radtriage, os.path.join(scratch, f"{entry}-{level}"), family, matrix, level, args.studies,
                             args.slices, args.seed) for level in (1, 0)]
            rows[entry] = measure(*folders, args.scale_mm)
    reference = rows.get("analytic")
    print(f"| family | noise per model pixel (√SUV) | at a lesion's scale, Gaussian σ {args.scale_mm:g} mm (√SUV) |"
          + (" at that scale over `analytic` |" if reference else ""))
    print("| --- | --- | --- |" + (" --- |" if reference else ""))
    for entry, (pixel, scale) in rows.items():
        print(f"| {entry} | {pixel:.4f} | {scale:.4f} |" + (f" {scale / reference[1]:.2f} × |" if reference else ""))
    if reference and abs(reference[0] / 0.075 - 1) > 0.05:
        print(f"check failed: analytic shows {reference[0]:.4f} √SUV per model pixel, not the 0.075 its independent noise "
              "of 0.15·√SUV per stored pixel gives after 2 × 2 averaging", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
