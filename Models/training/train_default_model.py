#!/usr/bin/env python3
"""Trains radtriage's default PET model (2.5-D) on synthetic studies and exports it to Models/pet-default.

    make release && python3 Models/training/train_default_model.py     # from the repository root

Steps:
  1. `radtriage synth` writes the training and validation studies of the two TRAINING families
     (`basic` and `analytic`, Docs/Synthesis.md) with their own seeds and slice spacings, cached
     under .build/training/ (the `lumpy` family is never written here: it is the held-out family);
  2. the studies become model inputs with the pipeline radtriage runs (pipeline_numpy.py): SUV,
     area-averaged to 128 × 128, clipped to [0, 20] and divided by 10, and each slice stacked with
     the series 8 mm above and below it (linear interpolation between slices, as radtriage does);
  3. a small CNN is trained on 64 × 64 crops of the stacked slices with numpy (hand-written backward
     pass, Adam). A slice is positive when a lesion's sphere crosses it. Hard negatives: negative slices are drawn in
     proportion to their hottest input (bladder, ureters, injection sites, brain, heart, organ
     edges), and after the second epoch the negatives the model scores highest are drawn again;
  4. the validation studies pick the epoch and calibrate the study probability (temperature
     scaling with a bias, fitted by maximum likelihood); their calibrated probabilities go into
     the manifest for the out-of-distribution guard;
  5. the weights are written as safetensors with the manifest. `evaluate.py` then measures the
     model on held-out seeds and on the held-out family and rewrites the model card.

Needs numpy and Pillow (training only; not needed to build, test or run radtriage). CPU-heavy: run it
under `nice`, with OPENBLAS_NUM_THREADS=1 or 2.
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pipeline_numpy as pipeline  # noqa: E402
from synth_cache import cached_studies  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_DIR = os.path.join(ROOT, "Models", "pet-default")
CACHE = os.path.join(ROOT, ".build", "training")

# (name, family, studies, slices, seed, first study number, lesion probability). Slice counts vary so
# that the model sees spacings of 3.2–5.9 mm; its context is given in millimetres.
TRAINING_SETS = [
    ("train-analytic-a", "analytic", 45, 160, 1101, 1, 0.6),
    ("train-analytic-b", "analytic", 45, 220, 1102, 101, 0.6),
    ("train-analytic-c", "analytic", 45, 300, 1103, 201, 0.6),
    ("train-basic", "basic", 30, 200, 1104, 301, 0.6),
]
VALIDATION_SETS = [
    ("validation-analytic", "analytic", 40, 240, 2201, 1, 0.5),
    ("validation-basic", "basic", 16, 200, 2202, 101, 0.5),
]

OFFSETS_MM = [-8.0, 0.0, 8.0]
FIELD_OF_VIEW_MM = 600.0
# Training runs on crops (the network is convolutional up to its global maximum, so a crop that holds the
# lesion, or a negative's hottest spot, trains what the whole slice would): a quarter of the cost.
CROP = 64
TOP_K = 3

MANIFEST = {
    "formatVersion": 1,
    "name": "radtriage-pet-default",
    "version": "2.0.0",
    "description": "2.5-D slice-level lesion detector for FDG PET (each slice with the series 8 mm above and below), "
                   "trained on radtriage synth phantoms only (families basic and analytic). Not for clinical use.",
    "input": {"modality": "PT", "units": "SUV", "height": 128, "width": 128, "clipMin": 0, "clipMax": 20, "scale": 0.1, "offset": 0,
              "sliceOffsetsMm": OFFSETS_MM},
    "layers": [
        {"type": "conv2d", "inChannels": len(OFFSETS_MM), "outChannels": 8, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "weight": "conv1.weight", "bias": "conv1.bias"},
        {"type": "relu"},
        {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        {"type": "conv2d", "inChannels": 8, "outChannels": 16, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "weight": "conv2.weight", "bias": "conv2.bias"},
        {"type": "relu"},
        {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        {"type": "conv2d", "inChannels": 16, "outChannels": 32, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "weight": "conv3.weight", "bias": "conv3.bias"},
        {"type": "relu"},
        {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        {"type": "conv2d", "inChannels": 32, "outChannels": 32, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "weight": "conv4.weight", "bias": "conv4.bias"},
        {"type": "relu"},
        {"type": "globalMaxPool"},
        {"type": "dense", "inFeatures": 32, "outFeatures": 1, "weight": "head.weight", "bias": "head.bias"},
    ],
    "aggregation": {"method": "topKMeanLogit", "k": TOP_K},
    "weights": {"file": "weights.safetensors", "sha256": ""},
}
CONVS = [layer for layer in MANIFEST["layers"] if layer["type"] == "conv2d"]


def synthesize(radtriage, spec):
    """spec: (name, family, studies, slices, seed, first study, lesion probability[, PET matrix])."""
    name, family, studies, slices, seed, first, probability, *matrix = spec
    return cached_studies(radtriage, os.path.join(CACHE, name), family, studies, slices, seed, probability, first, *matrix)


def slice_labels(study, count):
    """1 for slices whose centre lies within a lesion's radius along the body axis."""
    with open(os.path.join(study, "ground_truth.json")) as f:
        truth = json.load(f)
    spacing = study_spacing(study)
    labels = np.zeros(count, dtype=np.float32)
    for lesion in truth["lesions"]:
        centre, radius = lesion["centreVoxel"][2], lesion["diameterMm"] / 2
        labels[np.abs(np.arange(count) - centre) * spacing <= radius] = 1
    return labels, bool(truth["hasLesion"])


def mm_to_grid(mm, pixel_mm, model_pixel_mm):
    """A ground-truth millimetre coordinate (from the centre of the first voxel, voxels of pixel_mm) → the
    fractional pixel index on the model grid (pixels of model_pixel_mm) whose centre it is."""
    return (mm + pixel_mm / 2) / model_pixel_mm - 0.5


def grid_to_mm(pixel, pixel_mm, model_pixel_mm):
    """The inverse of mm_to_grid."""
    return (pixel + 0.5) * model_pixel_mm - pixel_mm / 2


def study_spacing(study):
    with open(os.path.join(study, "study.json")) as f:
        series = next(s for s in json.load(f)["series"] if s["modality"] == "PT")
    return series["sliceSpacingMm"]


def stack(volume, centres, spacing, offsets=OFFSETS_MM):
    """[S, H, W] normalised slices → [len(centres), H, W, C]: channel c of centre i is the series at
    i + offsets[c] / spacing, linearly interpolated and clamped to the ends, as SliceContext does."""
    last = len(volume) - 1
    channels = []
    for offset in offsets:
        reach = min(max(offset / spacing, -64), 64)
        position = np.clip(np.asarray(centres, dtype=np.float64) + reach, 0, last)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, last)
        weight = (position - low).astype(np.float32)[:, None, None]
        a, b = volume[low].astype(np.float32), volume[high].astype(np.float32)
        channels.append(a + (b - a) * weight)
    return np.stack(channels, axis=-1)


def model_inputs(folder):
    """The study's slices on the model grid, normalised, as radtriage computes them: pipeline_numpy's
    study_inputs, with the area averaging of an exact halving (256 → 128) done as 2 × 2 block means,
    which is the same average and much cheaper."""
    sidecar, series, slices = pipeline.read_study(folder, "PT")
    factor = pipeline.suv_per_bqml(sidecar, series)
    spec, grid = MANIFEST["input"], MANIFEST["input"]["height"]
    out, resampler = [], None
    for path, slope, intercept in slices:
        suv = ((pipeline.decode(path).astype(np.float32) * np.float32(slope) + np.float32(intercept)) * np.float32(factor))
        if suv.shape == (2 * grid, 2 * grid):
            small = suv.reshape(grid, 2, grid, 2).mean(axis=(1, 3))
        else:
            resampler = resampler or pipeline.Resampler(suv.shape, (grid, grid))
            small = resampler(suv)
        out.append(np.clip(small, spec["clipMin"], spec["clipMax"]) * spec["scale"] + spec["offset"])
    return np.stack(out).astype(np.float32)


class Study:
    def __init__(self, folder):
        cached = os.path.join(folder, ".model-input.npy")
        if os.path.exists(cached):
            volume = np.load(cached).astype(np.float32)
        else:
            volume = model_inputs(folder)
            np.save(cached, volume.astype(np.float16))
        self.folder = folder
        self.volume = volume.astype(np.float16)
        self.spacing = study_spacing(folder)
        self.labels, self.has_lesion = slice_labels(folder, len(volume))
        # The hottest normalised value of each slice: how hard a negative it is likely to be.
        self.heat = volume.reshape(len(volume), -1).max(axis=1)
        with open(os.path.join(folder, "ground_truth.json")) as f:
            lesions = json.load(f)["lesions"]
        with open(os.path.join(folder, "study.json")) as f:
            pixel_mm = next(s for s in json.load(f)["series"] if s["modality"] == "PT")["pixelSpacingMm"][0]
        # Where each positive slice's lesion lies on the model grid (row, column), for the training crops.
        model_pixel_mm = FIELD_OF_VIEW_MM / volume.shape[1]
        self.lesion_at = {}
        for lesion in lesions:
            column = mm_to_grid(lesion["centreMm"][0], pixel_mm, model_pixel_mm)
            row = mm_to_grid(lesion["centreMm"][1], pixel_mm, model_pixel_mm)
            for i in np.flatnonzero(self.labels):
                if abs(i - lesion["centreVoxel"][2]) * self.spacing <= lesion["diameterMm"] / 2:
                    self.lesion_at.setdefault(int(i), (row, column))


def cache_inputs(folder):
    """Decodes a study into its cached model inputs (run in worker processes: decoding is the slow part)."""
    cached = os.path.join(folder, ".model-input.npy")
    if not os.path.exists(cached):
        # A name of this process's own: two trainings may decode the same study at once.
        partial = f"{cached}.{os.getpid()}.partial.npy"
        np.save(partial, model_inputs(folder).astype(np.float16))
        os.replace(partial, cached)
    return folder


def load(folders, tag, workers=3):
    start = time.time()
    with multiprocessing.Pool(workers) as pool:
        for index, _ in enumerate(pool.imap_unordered(cache_inputs, folders)):
            if (index + 1) % 20 == 0:
                print(f"  {tag}: {index + 1}/{len(folders)} studies decoded ({time.time() - start:.0f} s)", flush=True)
    return [Study(folder) for folder in folders]


# --- the network, forward and backward ------------------------------------------------------------
# Activations are [B, H, W, C] so that im2col, pooling and the GEMMs need no transposes; the weights keep
# PyTorch's [out, in, kh, kw] layout, which is what the manifest declares.

def im2col(x):
    """x [B, H, W, C] → cols [B·H·W, C·9], columns in (c, ky, kx) order, for a 3 × 3 kernel with padding 1."""
    b, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2)).reshape(b * h * w, c * 9)


def conv_forward(x, w, bias):
    b, h, wd, _ = x.shape
    cols = im2col(x)
    out = cols @ w.reshape(w.shape[0], -1).T + bias
    return out.reshape(b, h, wd, -1), cols


def conv_backward(dout, cols, w, x_shape, need_input_gradient=True):
    b, h, wd, c = x_shape
    flat = dout.reshape(-1, w.shape[0])
    dw = (flat.T @ cols).reshape(w.shape)
    db = flat.sum(axis=0)
    if not need_input_gradient:
        return dw, db, None
    dcols = (flat @ w.reshape(w.shape[0], -1)).reshape(b, h, wd, c, 3, 3)
    dpadded = np.zeros((b, h + 2, wd + 2, c), dtype=np.float32)
    for ky in range(3):
        for kx in range(3):
            dpadded[:, ky:ky + h, kx:kx + wd, :] += dcols[:, :, :, :, ky, kx]
    return dw, db, dpadded[:, 1:-1, 1:-1, :]


def pool_forward(x):
    b, h, w, c = x.shape
    blocks = x.reshape(b, h // 2, 2, w // 2, 2, c)
    out = blocks.max(axis=(2, 4))
    mask = blocks == out[:, :, None, :, None, :]
    return out, mask


def pool_backward(dout, mask):
    b, h, w, c = dout.shape
    spread = mask / mask.sum(axis=(2, 4), keepdims=True)
    return (spread * dout[:, :, None, :, None, :]).reshape(b, h * 2, w * 2, c)


def forward(params, x, cache=None):
    """x [B, H, W, C] normalised, stacked inputs → logits [B]. conv → relu (→ pool, except after the last)."""
    steps = []
    a = x
    for index, layer in enumerate(CONVS):
        z, cols = conv_forward(a, params[layer["weight"]], params[layer["bias"]])
        r = np.maximum(z, 0)
        step = {"input_shape": a.shape, "cols": cols, "z": z}
        if index < len(CONVS) - 1:
            a, step["mask"] = pool_forward(r)
        else:
            a = r
        steps.append(step)
    flat = a.reshape(a.shape[0], -1, a.shape[3])
    where = flat.argmax(axis=1)
    g = np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0, :]
    logits = g @ params["head.weight"][0] + params["head.bias"][0]
    if cache is not None:
        cache.update(steps=steps, where=where, g=g, last_shape=a.shape)
    return logits


def backward(params, cache, dlogits):
    grads = {"head.weight": (dlogits[:, None] * cache["g"]).sum(axis=0)[None, :], "head.bias": np.array([dlogits.sum()], dtype=np.float32)}
    dg = dlogits[:, None] * params["head.weight"][0][None, :]
    b, h, w, c = cache["last_shape"]
    da = np.zeros((b, h * w, c), dtype=np.float32)
    np.put_along_axis(da, cache["where"][:, None, :], dg[:, None, :], axis=1)
    da = da.reshape(b, h, w, c)
    for index in reversed(range(len(CONVS))):
        layer, step = CONVS[index], cache["steps"][index]
        if index < len(CONVS) - 1:
            da = pool_backward(da, step["mask"])
        dz = da * (step["z"] > 0)
        grads[layer["weight"]], grads[layer["bias"]], da = conv_backward(
            dz, step["cols"], params[layer["weight"]], step["input_shape"], need_input_gradient=index > 0)
    return grads


def initial_parameters(rng):
    params = {}
    for layer in CONVS:
        fan_in = layer["inChannels"] * 9
        params[layer["weight"]] = rng.normal(0, np.sqrt(2 / fan_in), (layer["outChannels"], layer["inChannels"], 3, 3)).astype(np.float32)
        params[layer["bias"]] = np.zeros(layer["outChannels"], dtype=np.float32)
    params["head.weight"] = rng.normal(0, np.sqrt(1 / 32), (1, 32)).astype(np.float32)
    params["head.bias"] = np.zeros(1, dtype=np.float32)
    return params


def slice_logits(params, study, batch=48, every=1):
    """The logits of every `every`-th slice (every one for calibration; fewer to choose the epoch)."""
    out = []
    indices = np.arange(0, len(study.volume), every)
    for begin in range(0, len(indices), batch):
        out.append(forward(params, stack(study.volume, indices[begin:begin + batch], study.spacing)))
    return np.concatenate(out)


def study_logit(logits):
    return float(np.sort(logits)[::-1][:TOP_K].mean())


def auc(scores, labels):
    positives, negatives = scores[labels == 1], scores[labels == 0]
    greater = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(greater / (len(positives) * len(negatives)))


def fit_calibration(logits, labels):
    """Maximum-likelihood a, b of sigmoid(a·logit + b) (Newton's method); temperature = 1 / a."""
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * logits + b)))
        grad = np.array([((p - labels) * logits).sum(), (p - labels).sum()])
        weight = p * (1 - p) + 1e-9
        hessian = np.array([[(weight * logits * logits).sum(), (weight * logits).sum()], [(weight * logits).sum(), weight.sum()]])
        step = np.linalg.solve(hessian + 1e-6 * np.eye(2), grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    if a <= 0:
        raise SystemExit(f"calibration failed: slope {a} ≤ 0 (the validation logits do not separate the classes)")
    return {"temperature": float(1 / a), "bias": float(b)}


def train(args, studies, validation):
    rng = np.random.default_rng(7)
    params = initial_parameters(rng)
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    samples = [(s, i) for s, study in enumerate(studies) for i in range(len(study.volume))]
    positives = np.array([k for k, (s, i) in enumerate(samples) if studies[s].labels[i] == 1])
    negatives = np.array([k for k, (s, i) in enumerate(samples) if studies[s].labels[i] == 0])
    heat = np.array([studies[samples[k][0]].heat[samples[k][1]] for k in negatives])
    weights = 0.3 + heat / heat.max()
    weights /= weights.sum()
    validation_labels = np.array([v.has_lesion for v in validation], dtype=np.float32)
    print(f"{len(positives)} positive and {len(negatives)} negative training slices; {len(validation)} validation studies", flush=True)
    best = (-1.0, None, 0, None)
    hard = np.array([], dtype=int)
    step = 0
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.time()
        drawn = rng.choice(negatives, size=min(args.negatives_per_positive * len(positives), len(negatives)), replace=False, p=weights)
        chosen = np.concatenate([positives, drawn, hard])
        rng.shuffle(chosen)
        chosen = chosen[:args.max_slices_per_epoch]
        rate = args.learning_rate * (0.5 ** ((epoch - 1) // 3))
        losses = []
        for begin in range(0, len(chosen), args.batch):
            index = chosen[begin:begin + args.batch]
            batch = np.stack([crop(studies[samples[k][0]], samples[k][1], rng) for k in index])
            target = np.array([studies[samples[k][0]].labels[samples[k][1]] for k in index], dtype=np.float32)
            flip = rng.random(len(index)) < 0.5
            batch = np.where(flip[:, None, None, None], batch[:, :, ::-1, :], batch)
            batch = (batch * rng.uniform(0.8, 1.2, size=(len(index), 1, 1, 1))).astype(np.float32)
            cache = {}
            logits = forward(params, batch, cache)
            probability = 1 / (1 + np.exp(-logits))
            losses.append(float(np.mean(np.logaddexp(0, logits) - target * logits)))
            grads = backward(params, cache, ((probability - target) / len(index)).astype(np.float32))
            step += 1
            for name, grad in grads.items():
                m, v = moments[name]
                m[:] = 0.9 * m + 0.1 * grad
                v[:] = 0.999 * v + 0.001 * grad * grad
                params[name] -= (rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)).astype(np.float32)
        validation_start = time.time()
        validation_logits = np.array([study_logit(slice_logits(params, v, every=args.validation_every)) for v in validation])
        score = auc(validation_logits, validation_labels)
        print(f"epoch {epoch:2d}: loss {np.mean(losses):.4f}, validation study AUC {score:.3f}, {len(chosen)} slices, "
              f"{validation_start - epoch_start:.0f} s training + {time.time() - validation_start:.0f} s validation", flush=True)
        if score > best[0]:
            best = (score, {k: v.copy() for k, v in params.items()}, epoch, validation_logits)
            # Written at once, so that a bounded run that is stopped keeps its best epoch.
            save(args, best)
        if epoch >= 2 and epoch < args.epochs:
            hard = mine_hard_negatives(params, studies, samples, negatives, rng, args)
    return best


def crop(study, centre, rng):
    """A CROP × CROP window of the stacked slice [H, W, C]: around the lesion for a positive slice (moved by
    up to a quarter of the crop), around the hottest pixel for most negatives, anywhere for the rest."""
    stacked = stack(study.volume, [centre], study.spacing)[0]
    size = stacked.shape[0]
    if centre in study.lesion_at:
        row, column = study.lesion_at[centre]
        row += rng.uniform(-CROP / 4, CROP / 4)
        column += rng.uniform(-CROP / 4, CROP / 4)
    elif rng.random() < 0.7:
        flat = int(np.argmax(stacked[:, :, len(OFFSETS_MM) // 2]))
        row, column = flat // size + rng.uniform(-CROP / 4, CROP / 4), flat % size + rng.uniform(-CROP / 4, CROP / 4)
    else:
        row, column = rng.uniform(CROP / 2, size - CROP / 2, size=2)
    top = int(np.clip(round(row - CROP / 2), 0, size - CROP))
    left = int(np.clip(round(column - CROP / 2), 0, size - CROP))
    return stacked[top:top + CROP, left:left + CROP, :]


def mine_hard_negatives(params, studies, samples, negatives, rng, args):
    """The negatives among a random draw that the model scores highest: shown again next epoch."""
    pool = rng.choice(negatives, size=min(args.mining_pool, len(negatives)), replace=False)
    logits = []
    for begin in range(0, len(pool), 48):
        index = pool[begin:begin + 48]
        batch = np.stack([crop(studies[samples[k][0]], samples[k][1], rng) for k in index])
        logits.append(forward(params, batch))
    logits = np.concatenate(logits)
    return pool[np.argsort(logits)[::-1][:args.mining_pool // 8]]


def quantiles(values, count=21):
    return [round(float(v), 6) for v in np.quantile(values, np.linspace(0, 1, count))]


def export(params, manifest, info):
    os.makedirs(MODEL_DIR, exist_ok=True)
    path = os.path.join(MODEL_DIR, "weights.safetensors")
    header, blobs, offset = {}, [], 0
    for name in sorted(params):
        data = np.ascontiguousarray(params[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(params[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"trained_by": "Models/training/train_default_model.py", **{k: str(v) for k, v in info.items()}}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))
    write_manifest(manifest, path, MODEL_DIR)


def write_manifest(manifest, weights_path, folder):
    """The manifest beside its weights, carrying their SHA-256 (the loader refuses weights that do not match)."""
    with open(weights_path, "rb") as f:
        manifest["weights"]["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    global MODEL_DIR
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", default=MODEL_DIR, help="model folder to write (default Models/pet-default)")
    parser.add_argument("--studies-per-set", type=int, default=45)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--negatives-per-positive", type=int, default=3)
    parser.add_argument("--max-slices-per-epoch", type=int, default=6000)
    parser.add_argument("--mining-pool", type=int, default=3000)
    # Validation scores whole slices, each four times a training crop's pixels: on a busy machine it can
    # take more of an epoch than training does. Every N-th slice of each validation study picks the epoch.
    parser.add_argument("--validation-every", type=int, default=4, help="score every N-th validation slice to choose the epoch")
    args = parser.parse_args()
    MODEL_DIR = args.out
    os.makedirs(CACHE, exist_ok=True)
    # --studies-per-set bounds the CPU the run takes (the first N of each set; the card says how many).
    train_folders = [f for spec in TRAINING_SETS for f in synthesize(args.radtriage, spec)[:args.studies_per_set]]
    validation_folders = [f for spec in VALIDATION_SETS for f in synthesize(args.radtriage, spec)[:args.studies_per_set]]
    studies = load(train_folders, "training")
    validation = load(validation_folders, "validation")
    global START
    START = time.time()
    best = train(args, studies, validation)
    print(f"best validation AUC {best[0]:.3f} at epoch {best[2]}; wrote {MODEL_DIR} (calibrate with calibrate.py)")


START = time.time()


def save(args, best):
    """The weights and manifest of the best epoch so far, and what they were trained on. The study
    probability is calibrated afterwards by calibrate.py, on the validation studies as radtriage scores them."""
    validation_auc, params, epoch, _ = best
    manifest = json.loads(json.dumps(MANIFEST))
    info = {"validation_auc": round(validation_auc, 4), "epoch": epoch, "training_sets": json.dumps(TRAINING_SETS),
            "validation_sets": json.dumps(VALIDATION_SETS)}
    export(params, manifest, info)
    used = lambda sets: [list(spec[:2]) + [min(spec[2], args.studies_per_set)] + list(spec[3:]) for spec in sets]
    with open(os.path.join(MODEL_DIR, "training.json"), "w") as f:
        json.dump({"validationAUC": validation_auc, "epoch": epoch, "epochs": args.epochs,
                   "trainingSets": used(TRAINING_SETS), "validationSets": used(VALIDATION_SETS),
                   "slicesPerEpoch": args.max_slices_per_epoch, "trainingSeconds": round(time.time() - START)}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
