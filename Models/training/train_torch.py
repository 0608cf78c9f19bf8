#!/usr/bin/env python3
"""Trains radtriage's default PET model (2.5-D) with PyTorch on synthetic studies and exports it to
Models/pet-default in the documented safetensors format.

    make release
    python3 -m venv .build/venv-train && .build/venv-train/bin/pip install torch numpy pillow
    .build/venv-train/bin/python Models/training/train_torch.py           # from the repository root
    python3 Models/training/calibrate.py && .build/venv/bin/python Models/training/evaluate.py

Data and pipeline are train_default_model.py's: `radtriage synth` studies of the three training families
(`basic`, `analytic`, `warped`; `lumpy` is held out and never written here), turned into model inputs as radtriage
computes them (SUV, area-averaged to 128 × 128 from the 256 × 256, 192 × 192 or 128 × 128 matrices the
sets are written at, clipped, scaled), each slice stacked with the series at
the manifest's millimetre offsets (linear interpolation, clamped at the ends, as SliceContext does).

Training (64 × 64 crops: the network is convolutional up to its global maximum, so a crop that holds the
lesion, or a negative's hottest spot, trains what the whole slice would):
  - a slice is positive when a lesion's sphere crosses it, weighted by how visible the lesion is (its
    blurred peak over its surroundings, from the ground truth); slices just outside a lesion, where its
    blur still shows, are left out rather than called negative;
  - the logit map (one logit per 8 × 8 pixels, before the maximum) is supervised place by place as well:
    the cells a lesion's disc covers are positive, every other cell of the crop negative, with a ring
    around each lesion left out, so that what lies beside a lesion (bladder, bowel, an organ's edge) is
    learnt as negative in the same crop;
  - negatives: the hottest spot of slices drawn in proportion to their heat (bladder, ureters, injection
    sites, brain, heart, organ edges), random places, and from the second epoch hard negatives: the
    negative slices that the model scores highest over whole slices, cropped where it fires;
  - lesions inserted into a share of the negative crops (lesion_insertion.py: ellipsoids of 5–30 mm at
    1.5–15 × the uptake around them, some necrotic, blurred as a scanner blurs them, in every channel at
    its distance along the body axis), so that the network sees lesions beside the very structures that
    fool it (bladder, ureters, bowel, organ edges, its own hard negatives) rather than only where the
    training families put theirs;
  - augmentation that does not depend on one generator: intensity scale, extra blur (resolution), noise up
    to three times the training families' own (scans are noisier than the synth: short frames, heavy
    patients), independent or correlated over a few pixels, smooth deformations that change a little along the body axis
    (organ shapes no generator drew), local bumps and notches on organ edges in half the crops (--bulges; away from lesions:
    an organ of another shape is not a lesion), left-right flips, zoom (habitus);
  - every epoch is checkpointed (weights, optimiser, epoch, best so far), so a stopped run resumes with
    --resume; the best epoch by validation study AUC (whole slices, every N-th) is exported each time;
  - with --average-from N, the running mean of the weights from epoch N on (batch-norm statistics
    measured anew on training crops) is validated beside each epoch and exported when it is better.

Needs torch, numpy and Pillow (training only; never needed to build, test or run radtriage).
"""
import argparse
import copy
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_default_model as data  # noqa: E402  (training sets, synthesis, model inputs, slice stacking, export)
from lesion_insertion import insert_lesion, local_bulges, log_uniform, smooth_deformation  # noqa: E402

ROOT = data.ROOT
OFFSETS_MM = [-10.0, -5.0, 0.0, 5.0, 10.0]
CROP = 64
TOP_K = 3
CHECKPOINT = os.path.join(data.CACHE, "torch-checkpoint.pt")
BEST = os.path.join(data.CACHE, "torch-best.pt")

# More studies of the training families than the numpy script could afford (seeds used nowhere else).
TRAINING_SETS = data.TRAINING_SETS + [
    ("train-analytic-d", "analytic", 120, 200, 1105, 401, 0.8),
    ("train-analytic-e", "analytic", 60, 270, 1106, 601, 0.8),
    ("train-analytic-f", "analytic", 100, 240, 1107, 801, 0.8),
    ("train-warped-a", "warped", 120, 220, 1201, 1001, 0.8),
    ("train-warped-b", "warped", 80, 260, 1202, 1201, 0.8),
    # Scanners reconstruct at other matrices than the synth's 256 × 256: at 128 × 128 no area averaging
    # halves the noise and lesions look sharper, and at 192 × 192 the averaging is not a 2 × 2 block.
    ("train-analytic-g", "analytic", 80, 220, 1108, 1401, 0.8, 128),
    ("train-warped-c", "warped", 60, 240, 1203, 1501, 0.8, 192),
    ("train-basic-b", "basic", 30, 200, 1109, 1601, 0.6, 128),
]
# More validation studies than the numpy script used: the epoch choice and the calibration rest on them.
VALIDATION_SETS = data.VALIDATION_SETS + [("validation-analytic-b", "analytic", 50, 190, 2203, 201, 0.5),
                                          ("validation-warped", "warped", 50, 210, 2204, 301, 0.5),
                                          ("validation-analytic-128", "analytic", 30, 200, 2205, 401, 0.5, 128)]


# Filters of the four 3 × 3 convolutions and of the 1 × 1 embedding (--widths); 4.0.0's are these.
WIDTHS = (8, 16, 32, 48, 32)


class Net(nn.Module):
    """conv → batch norm → relu → pool three times, a fourth conv with its batch norm, then a small head of
    1 × 1 convolutions that gives a logit at every place of the 1/8-resolution map; the slice's logit is the
    map's maximum. The map is what training supervises place by place (a lesion's cells positive, every
    other cell of the same crop negative), so that the bladder beside a node is learnt as negative, not
    only the crop as a whole. Batch norm speeds training up and is folded into the convolutions on export
    (folded_state), so the exported network has only layers radtriage's engine has; the exported
    state_dict's names are the manifest's tensor names."""

    def __init__(self, widths=WIDTHS, channels=len(OFFSETS_MM)):
        super().__init__()
        filters = [channels, *widths[:4]]
        for i in range(1, 5):
            setattr(self, f"conv{i}", nn.Conv2d(filters[i - 1], filters[i], 3, padding=1))
            setattr(self, f"bn{i}", nn.BatchNorm2d(filters[i]))
        self.embed = nn.Conv2d(filters[4], widths[4], 1)
        self.head = nn.Conv2d(widths[4], 1, 1)

    def features(self, x):
        for i in range(1, 5):
            x = F.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(x)))
            if i < 4:
                x = F.max_pool2d(x, 2)
        return x

    def logit_map(self, x):
        return self.head(F.relu(self.embed(self.features(x)))).squeeze(1)

    def forward(self, x):
        return self.logit_map(x).amax(dim=(1, 2))


def folded_state(net):
    """The evaluation-mode network with each batch norm folded into its convolution: conv weights and
    biases rescaled by γ/σ and shifted by β − μγ/σ, which is the same function."""
    state = {}
    with torch.no_grad():
        for i in range(1, 5):
            conv, bn = getattr(net, f"conv{i}"), getattr(net, f"bn{i}")
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            state[f"conv{i}.weight"] = conv.weight * scale[:, None, None, None]
            state[f"conv{i}.bias"] = (conv.bias - bn.running_mean) * scale + bn.bias
        for name in ("embed", "head"):
            state[f"{name}.weight"], state[f"{name}.bias"] = getattr(net, name).weight.clone(), getattr(net, name).bias.clone()
    return state


def conv(name, cin, cout, kernel=3):
    return {"type": "conv2d", "inChannels": cin, "outChannels": cout, "kernel": [kernel, kernel], "stride": [1, 1],
            "padding": [kernel // 2, kernel // 2], "weight": f"{name}.weight", "bias": f"{name}.bias"}


POOL = {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]}
RELU = {"type": "relu"}


def layers(widths):
    """The manifest's layers of a Net with these widths (WIDTHS' order)."""
    c1, c2, c3, c4, embed = widths
    return [conv("conv1", len(OFFSETS_MM), c1), RELU, POOL, conv("conv2", c1, c2), RELU, POOL, conv("conv3", c2, c3), RELU, POOL,
            conv("conv4", c3, c4), RELU, conv("embed", c4, embed, kernel=1), RELU, conv("head", embed, 1, kernel=1),
            {"type": "globalMaxPool"}]


def flops_per_slice(widths, side=128):
    """Multiply-adds × 2 of one slice on the model grid (what the issue's cost bound counts), walked
    over layers(widths) so that the count follows the architecture."""
    flops = 0
    for layer in layers(widths):
        if layer["type"] == "conv2d":
            kh, kw = layer["kernel"]
            flops += 2 * side * side * layer["inChannels"] * layer["outChannels"] * kh * kw
        elif layer["type"] == "maxPool2d":
            side //= layer["stride"][0]
    return flops


MANIFEST = {
    "formatVersion": 1,
    "name": "radtriage-pet-default",
    "version": "5.0.0",
    "description": "2.5-D slice-level lesion detector for FDG PET (each slice with the series 5 and 10 mm above and below), "
                   "trained with PyTorch on radtriage synth phantoms only (families basic, analytic and warped, with lesions inserted into "
                   "their crops, smooth deformations and local bumps and notches on organ edges). Not for clinical use.",
    "input": {"modality": "PT", "units": "SUV", "height": 128, "width": 128, "clipMin": 0, "clipMax": 20, "scale": 0.1, "offset": 0,
              "sliceOffsetsMm": OFFSETS_MM},
    "layers": [],  # written by export() from the weights' shapes (layers())
    "aggregation": {"method": "topKMeanLogit", "k": TOP_K},
    "weights": {"file": "weights.safetensors", "sha256": ""},
}
SATURATION = MANIFEST["input"]["clipMax"] * MANIFEST["input"]["scale"]  # the largest normalised input
# The noise of the training families on the model grid, as a standard deviation over √(normalised uptake):
# `radtriage synth`'s 0.15·√SUV per pixel, halved by the 2 × 2 area averaging, in normalised units.
TRAINING_NOISE = 0.15 / 2 * math.sqrt(MANIFEST["input"]["scale"])
NOISE_UP_TO = 3.0  # the noisiest training crop, in multiples of TRAINING_NOISE


def lesion_table(study):
    """Per lesion: centre slice, radius (mm), centre on the model grid (row, column) and a visibility weight."""
    with open(os.path.join(study.folder, "ground_truth.json")) as f:
        lesions = json.load(f)["lesions"]
    with open(os.path.join(study.folder, "study.json")) as f:
        pixel_mm = next(s for s in json.load(f)["series"] if s["modality"] == "PT")["pixelSpacingMm"][0]
    model_pixel_mm = data.FIELD_OF_VIEW_MM / study.volume.shape[1]
    table = []
    for lesion in lesions:
        visibility = 1.0
        if lesion.get("contrast"):
            surroundings = lesion["suv"] / lesion["contrast"]
            peak_contrast = lesion["expectedSuvMax"] / max(surroundings, 1e-6)
            visibility = float(np.clip(peak_contrast - 1.0, 0.25, 1.0))
        table.append({"slice": lesion["centreVoxel"][2], "radius": lesion["diameterMm"] / 2, "weight": visibility,
                      "row": data.mm_to_grid(lesion["centreMm"][1], pixel_mm, model_pixel_mm),
                      "column": data.mm_to_grid(lesion["centreMm"][0], pixel_mm, model_pixel_mm)})
    return table


def slice_targets(study, table, blur_margin_mm=6.0):
    """Target, loss weight and crop centre of every slice (None: no lesion in it)."""
    count = len(study.volume)
    targets, weights, where = np.zeros(count, np.float32), np.ones(count, np.float32), [None] * count
    for lesion in table:
        distance = np.abs(np.arange(count) - lesion["slice"]) * study.spacing
        near = (distance > lesion["radius"]) & (distance <= lesion["radius"] + blur_margin_mm) & (targets == 0)
        weights[near] = 0
        for i in np.flatnonzero(distance <= lesion["radius"]):
            if targets[i] == 0 or weights[i] < lesion["weight"]:
                targets[i], weights[i], where[i] = 1, lesion["weight"], (lesion["row"], lesion["column"])
    return targets, weights, where


class Sample:
    __slots__ = ("study", "slice", "centre")

    def __init__(self, study, index, centre=None):
        self.study, self.slice, self.centre = study, index, centre


def stacked(study, index):
    return data.stack(study.volume, [index], study.spacing, OFFSETS_MM)[0]  # [H, W, C]


def crop_at(image, row, column, size, rng):
    """A size × size window of [H, W, C] around (row, column), moved by up to a quarter of the crop, with
    its top-left corner on the model grid."""
    extent = image.shape[0]
    row += rng.uniform(-CROP / 4, CROP / 4)
    column += rng.uniform(-CROP / 4, CROP / 4)
    top = int(np.clip(round(row - size / 2), 0, extent - size))
    left = int(np.clip(round(column - size / 2), 0, extent - size))
    return image[top:top + size, left:left + size, :], top, left


MAP_STRIDE = 8  # three 2 × 2 poolings: one logit per 8 × 8 input pixels
MAP_CELLS = CROP // MAP_STRIDE


def cell_targets(table, index, spacing, model_pixel_mm, top, left, size, blur_margin_mm=6.0):
    """The logit map's target and weight for the crop at (top, left) of `size` grid pixels, resized to CROP:
    1 where a lesion's disc in this slice covers the cell (weight: the lesion's visibility), 0 elsewhere,
    and weight 0 in a ring around each disc and around lesions just above or below the slice, whose blur
    still shows and which the cells beside them see through their receptive field."""
    target = np.zeros((MAP_CELLS, MAP_CELLS), np.float32)
    weight = np.ones((MAP_CELLS, MAP_CELLS), np.float32)
    cell = size / MAP_CELLS
    centres = (np.arange(MAP_CELLS) + 0.5) * cell
    rows, columns = np.meshgrid(top + centres, left + centres, indexing="ij")
    for lesion in table:
        dz = abs(index - lesion["slice"]) * spacing
        if dz > lesion["radius"] + blur_margin_mm:
            continue
        distance = np.hypot(rows - lesion["row"], columns - lesion["column"])
        disc = math.sqrt(max(lesion["radius"] ** 2 - dz ** 2, 0.0)) / model_pixel_mm
        weight[(distance <= max(disc, lesion["radius"] / model_pixel_mm) + 1.5 * cell) & (target == 0)] = 0
        if dz <= lesion["radius"]:
            inside = distance <= disc + cell / 2
            target[inside], weight[inside] = 1, np.maximum(weight[inside], lesion["weight"])
    return target, weight


def make_crop(sample, rng, zoom):
    image = stacked(sample.study, sample.slice)
    size = int(np.clip(round(CROP * zoom), 40, 96))
    if sample.centre is not None:
        row, column = sample.centre
    elif rng.random() < 0.7:
        flat = int(np.argmax(image[:, :, len(OFFSETS_MM) // 2]))
        row, column = flat // image.shape[1], flat % image.shape[1]
    else:
        row, column = rng.uniform(CROP / 2, image.shape[0] - CROP / 2, size=2)
    crop, top, left = crop_at(image, row, column, size, rng)
    return crop, top, left, size


def training_crops(samples, tables, targets, rng, insertion_share):
    """Each sample's crop, its logit map's target and weight, and its slice target and weight; a share of the
    negative crops gets an inserted lesion (lesion_insertion) and becomes positive."""
    crops, cells, slice_targets_weights = [], [], []
    for s in samples:
        crop, top, left, size = make_crop(s, rng, log_uniform(rng, 0.85, 1.18))
        table, target = tables[id(s.study)], targets[(id(s.study), s.slice)]
        model_pixel_mm = data.FIELD_OF_VIEW_MM / s.study.volume.shape[1]
        if target[0] == 0 and rng.random() < insertion_share:
            crop, inserted = insert_lesion(crop, top, left, s.slice, s.study.spacing, OFFSETS_MM, model_pixel_mm, rng, SATURATION)
            if inserted is not None:
                table, target = table + [inserted], (1.0, inserted["weight"])
        crops.append(crop)
        cells.append(cell_targets(table, s.slice, s.study.spacing, model_pixel_mm, top, left, size))
        slice_targets_weights.append(target)
    return crops, cells, np.array(slice_targets_weights, dtype=np.float32)


def gaussian_kernel(sigma):
    radius = max(1, int(math.ceil(2.5 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def blur(x, sigma):
    """Separable Gaussian blur of [B, C, H, W], each channel on its own."""
    k = gaussian_kernel(sigma)
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (len(k) // 2,) * 2 + (0, 0), mode="replicate"), k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(F.pad(x, (0, 0) + (len(k) // 2,) * 2, mode="replicate"), k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def lesion_cells(cells):
    """[B, CROP, CROP]: 1 on and around each crop's lesion cells (its logit map's positive targets, one cell
    wider), fading at the border, so that a deformation can leave lesions and their targets alone."""
    positive = torch.from_numpy(np.stack([t for t, _ in cells]) > 0).float()[:, None]
    wider = F.max_pool2d(positive, 3, stride=1, padding=1)
    return F.interpolate(wider, size=(CROP, CROP), mode="bilinear", align_corners=False)[:, 0].clamp(0, 1)


def augment(batch, rng, flip, protect=None, bulges=0.0):
    """[B, C, H, W] normalised crops → the same crops as another scanner, patient or generator might show them
    (flip: which crops to mirror left-right, so that their target maps can be mirrored alike; bulges: the share
    of crops whose organs get local bumps and notches, away from the lesion cells in `protect`)."""
    b = batch.shape[0]
    scale = torch.tensor(rng.uniform(0.75, 1.35, size=(b, 1, 1, 1)), dtype=torch.float32)
    batch = batch * scale
    if rng.random() < 0.5:
        batch = blur(batch, float(rng.uniform(0.3, 0.9)))
    # Noise as scanners show it: the training families' own level is the quietest end of what scans show
    # (short frames, heavy patients and other reconstructions are noisier), so each crop is brought to a
    # level drawn up to NOISE_UP_TO times it, with a texture from independent pixels to blobs of a few pixels.
    drawn = rng.uniform(TRAINING_NOISE, NOISE_UP_TO * TRAINING_NOISE, size=b) * (rng.random(b) < 0.8)
    extra = np.sqrt(np.maximum(drawn ** 2 - TRAINING_NOISE ** 2, 0))
    noise = torch.randn_like(batch)
    if rng.random() < 0.6:
        noise = blur(noise, float(rng.uniform(0.5, 1.2)))
        noise = noise / noise.std()
    batch = batch + noise * torch.tensor(extra, dtype=torch.float32).view(b, 1, 1, 1) * batch.clamp(min=0).sqrt()
    if rng.random() < 0.6:
        batch = smooth_deformation(batch, rng, OFFSETS_MM)
    if protect is not None:
        batch = local_bulges(batch, protect, rng, OFFSETS_MM, data.FIELD_OF_VIEW_MM / 128, share=bulges)
    flip = torch.from_numpy(flip)
    batch = torch.where(flip[:, None, None, None], batch.flip(3), batch)
    return batch.clamp(0, SATURATION)


def dense_loss(maps, target, weight):
    """The logit map's cross-entropy, positive and negative cells averaged apart (a crop has a few lesion cells
    and dozens of others), each with its weight."""
    bce = F.binary_cross_entropy_with_logits(maps, target, reduction="none") * weight
    positive, negative = (target > 0) & (weight > 0), (target == 0) & (weight > 0)
    return bce[positive].sum() / weight[positive].sum().clamp(min=1) + bce[negative].sum() / negative.sum().clamp(min=1)


def to_batch(crops):
    resized = []
    for c in crops:
        t = torch.from_numpy(np.ascontiguousarray(c, dtype=np.float32)).permute(2, 0, 1)[None]
        if t.shape[-1] != CROP:
            t = F.interpolate(t, size=(CROP, CROP), mode="bilinear", align_corners=False)
        resized.append(t)
    return torch.cat(resized).contiguous(memory_format=torch.channels_last)


def whole_slices(study, indices):
    x = torch.from_numpy(data.stack(study.volume, indices, study.spacing, OFFSETS_MM).astype(np.float32)).permute(0, 3, 1, 2)
    return x.contiguous(memory_format=torch.channels_last)


@torch.no_grad()
def study_logits(net, study, every=1, batch=64):
    indices = np.arange(0, len(study.volume), every)
    return torch.cat([net(whole_slices(study, indices[i:i + batch])) for i in range(0, len(indices), batch)]).numpy()


def study_logit(logits):
    return float(np.sort(logits)[::-1][:TOP_K].mean())


@torch.no_grad()
def mine_hard_negatives(net, negatives, rng, pool_size, keep, batch=64):
    """Scores a random pool of whole negative slices; the highest, with the place the network fires most."""
    pick = rng.choice(len(negatives), size=min(pool_size, len(negatives)), replace=False)
    scored = []
    for begin in range(0, len(pick), batch):
        samples = [negatives[k] for k in pick[begin:begin + batch]]
        x = torch.cat([whole_slices(s.study, [s.slice]) for s in samples]).contiguous(memory_format=torch.channels_last)
        maps = net.logit_map(x)
        logits = maps.amax(dim=(1, 2))
        strongest = maps.flatten(1).argmax(dim=1)
        side, stride = maps.shape[-1], x.shape[-1] / maps.shape[-1]
        for sample, logit, place in zip(samples, logits.tolist(), strongest.tolist()):
            scored.append((logit, Sample(sample.study, sample.slice, ((place // side + 0.5) * stride, (place % side + 0.5) * stride))))
    scored.sort(key=lambda item: -item[0])
    return [sample for _, sample in scored[:keep]]


def radtriage_logits(radtriage, net, validation):
    """The validation studies' logits as radtriage computes them, every slice, with this epoch's export: the
    engine is many times faster than PyTorch on whole slices, and subsampling slices misses small lesions."""
    folder = os.path.join(data.CACHE, "epoch-model")
    export(folded_state(net), folder, {"epoch": "candidate"})
    run = subprocess.run([radtriage, "score", "--json", "--model", folder, *[v.folder for v in validation]], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        raise SystemExit(f"radtriage score failed ({run.returncode}): {run.stderr[-2000:]}")
    by_path = {os.path.realpath(r["path"]): r["logit"] for r in json.loads(run.stdout)["scored"]}
    return [by_path[os.path.realpath(v.folder)] for v in validation]


def auc(scores, labels):
    return data.auc(np.asarray(scores), np.asarray(labels))


def average_weights(averaged, net, seen):
    """The running mean of the weights over the epochs since averaging began (seen: how many it already holds):
    late epochs of one run lie in one basin, and their mean is often flatter there than any one of them."""
    if averaged is None:
        return copy.deepcopy(net)
    with torch.no_grad():
        for mean, current in zip(averaged.parameters(), net.parameters()):
            mean.mul_(seen / (seen + 1)).add_(current, alpha=1 / (seen + 1))
    return averaged


def recompute_batch_norm(model, chosen, tables, targets, rng, batch, insertion_share, batches=60):
    """Batch-norm statistics measured anew for averaged weights (the averaged running statistics would
    describe none of the networks averaged): a cumulative mean over training crops in training mode."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            samples = [chosen[k] for k in rng.choice(len(chosen), size=batch, replace=False)]
            crops, _, _ = training_crops(samples, tables, targets, rng, insertion_share)
            flip = rng.random(len(crops)) < 0.5
            model.logit_map(augment(to_batch(crops), rng, flip).contiguous(memory_format=torch.channels_last))


def export(state_dict, out, info):
    """The documented PyTorch path (Docs/ModelFormat.md): safetensors' save_file, then the manifest with its digest."""
    from safetensors.torch import save_file
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "weights.safetensors")
    save_file({k: v.detach().float().contiguous() for k, v in state_dict.items()}, path,
              metadata={"trained_by": "Models/training/train_torch.py", **{k: str(v) for k, v in info.items()}})
    os.chmod(path, 0o644)
    manifest = json.loads(json.dumps(MANIFEST))
    manifest["layers"] = layers([state_dict[f"conv{i}.weight"].shape[0] for i in range(1, 5)] + [state_dict["embed.weight"].shape[0]])
    data.write_manifest(manifest, path, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    parser.add_argument("--out", default=os.path.join(ROOT, "Models", "pet-default"))
    parser.add_argument("--epochs", type=int, default=18)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--negatives-per-positive", type=float, default=4.5)
    parser.add_argument("--positive-copies", type=int, default=2, help="augmented copies of every positive slice per epoch")
    parser.add_argument("--inserted-lesions", type=float, default=0.4, help="share of negative crops that get an inserted lesion")
    parser.add_argument("--mining-pool", type=int, default=2500)
    parser.add_argument("--validation-every", type=int, default=1,
                        help="1: radtriage scores every validation slice with the epoch's export; N > 1: PyTorch scores every N-th")
    parser.add_argument("--minutes", type=float, default=0, help="stop after the epoch that passes this many minutes (0: no bound)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)),
                        help="filters of the four 3 × 3 convolutions and the 1 × 1 embedding, comma-separated")
    parser.add_argument("--bulges", type=float, default=0.5,
                        help="share of crops that get local bumps and notches on their organs' edges (lesion_insertion.local_bulges)")
    parser.add_argument("--resume", action="store_true", help="continue from the last epoch's checkpoint")
    parser.add_argument("--average-from", type=int, default=0,
                        help="from this epoch on, also validate the running average of the weights (0: never)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    os.makedirs(data.CACHE, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    train_folders = [f for spec in TRAINING_SETS for f in data.synthesize(args.radtriage, spec)]
    validation_folders = [f for spec in VALIDATION_SETS for f in data.synthesize(args.radtriage, spec)]
    studies = data.load(train_folders, "training", workers=2)
    validation = data.load(validation_folders, "validation", workers=2)
    validation_labels = np.array([v.has_lesion for v in validation], dtype=np.float32)

    positives, negatives, targets, tables = [], [], {}, {}
    for study in studies:
        tables[id(study)] = lesion_table(study)
        t, w, where = slice_targets(study, tables[id(study)])
        for i in range(len(study.volume)):
            targets[(id(study), i)] = (t[i], w[i])
            if t[i] == 1:
                positives.append(Sample(study, i, where[i]))
            elif w[i] > 0:
                negatives.append(Sample(study, i))
    heat = np.array([s.study.heat[s.slice] for s in negatives], dtype=np.float64)
    heat_p = (0.3 + heat / heat.max())
    heat_p /= heat_p.sum()
    print(f"{len(studies)} training studies: {len(positives)} positive and {len(negatives)} negative slices; "
          f"{len(validation)} validation studies", flush=True)

    widths = tuple(int(w) for w in args.widths.split(","))
    if len(widths) != 5 or min(widths) < 1:
        raise SystemExit(f"--widths needs five positive numbers, got {args.widths}")
    print(f"network widths {widths}: {flops_per_slice(widths) / 1e6:.1f} MFLOP per slice", flush=True)
    net = Net(widths).to(memory_format=torch.channels_last)
    optimiser = torch.optim.Adam(net.parameters(), lr=args.learning_rate)
    first_epoch, best_auc, best_epoch, hard, history = 1, -1.0, 0, [], []
    if args.resume and os.path.exists(CHECKPOINT):
        state = torch.load(CHECKPOINT, weights_only=False)
        net.load_state_dict(state["net"])
        optimiser.load_state_dict(state["optimiser"])
        first_epoch, best_auc = state["epoch"] + 1, state["bestAUC"]
        best_epoch, history = state.get("bestEpoch", state["epoch"]), state.get("history", [])
        if state.get("validationEvery") != args.validation_every:
            best_auc = -1.0  # the best so far was measured another way: the next epoch sets it anew
        rng = np.random.default_rng(7 + state["epoch"])
        print(f"resumed after epoch {state['epoch']} (best validation AUC {best_auc:.3f})", flush=True)
    averaged = None
    start = time.time()
    for epoch in range(first_epoch, args.epochs + 1):
        epoch_start = time.time()
        rate = args.learning_rate * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / args.epochs))
        for group in optimiser.param_groups:
            group["lr"] = rate
        count = int(args.negatives_per_positive * len(positives))
        drawn = [negatives[k] for k in rng.choice(len(negatives), size=min(count, len(negatives)), replace=False, p=heat_p)]
        chosen = positives * args.positive_copies + drawn + hard
        order = rng.permutation(len(chosen))
        net.train()
        losses = []
        for begin in range(0, len(order), args.batch):
            samples = [chosen[k] for k in order[begin:begin + args.batch]]
            crops, cells, tw = training_crops(samples, tables, targets, rng, args.inserted_lesions)
            flip = rng.random(len(samples)) < 0.5
            protect = lesion_cells(cells) if args.bulges > 0 else None  # only bulges need it
            x = augment(to_batch(crops), rng, flip, protect, args.bulges).contiguous(memory_format=torch.channels_last)
            cell_y = np.stack([t[:, ::-1] if f else t for (t, _), f in zip(cells, flip)])
            cell_w = np.stack([w[:, ::-1] if f else w for (_, w), f in zip(cells, flip)])
            y, w = torch.from_numpy(tw[:, 0]), torch.from_numpy(tw[:, 1])
            maps = net.logit_map(x)
            slice_loss = (F.binary_cross_entropy_with_logits(maps.amax(dim=(1, 2)), y, reduction="none") * w).sum() / w.sum().clamp(min=1)
            loss = slice_loss + dense_loss(maps, torch.from_numpy(cell_y.copy()), torch.from_numpy(cell_w.copy()))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
        train_seconds = time.time() - epoch_start
        net.eval()
        if args.validation_every > 1:
            scores = [study_logit(study_logits(net, v, every=args.validation_every)) for v in validation]
        else:
            scores = radtriage_logits(args.radtriage, net, validation)
        score = auc(scores, validation_labels)
        hard = mine_hard_negatives(net, negatives, rng, args.mining_pool, args.mining_pool // 6)
        history.append({"epoch": epoch, "loss": round(float(np.mean(losses)), 4), "validationAUC": round(score, 4),
                        "crops": len(chosen), "seconds": round(time.time() - epoch_start)})
        print(f"epoch {epoch:2d}: loss {np.mean(losses):.4f}, validation study AUC {score:.3f}, {len(chosen)} crops, "
              f"{train_seconds:.0f} s training + {time.time() - epoch_start - train_seconds:.0f} s validation and mining", flush=True)
        candidates = [(score, str(epoch), net)]
        if args.average_from and epoch >= args.average_from:
            averaged = average_weights(averaged, net, epoch - max(args.average_from, first_epoch))
            recompute_batch_norm(averaged, chosen, tables, targets, rng, args.batch, args.inserted_lesions)
            averaged.eval()
            average_score = auc(radtriage_logits(args.radtriage, averaged, validation), validation_labels)
            print(f"          average of epochs {args.average_from}–{epoch}: validation study AUC {average_score:.3f}", flush=True)
            history[-1]["averageValidationAUC"] = round(average_score, 4)
            candidates.append((average_score, f"{args.average_from}-{epoch}", averaged))
        for candidate_score, name, model in candidates:
            if candidate_score > best_auc:
                best_auc, best_epoch = candidate_score, name
                torch.save(model.state_dict(), BEST)
                export(folded_state(model), args.out, {"validation_auc": round(candidate_score, 4), "epoch": name,
                                                       "trained_with": "PyTorch " + torch.__version__})
        with open(os.path.join(args.out, "training.json"), "w") as f:
            json.dump({"validationAUC": best_auc, "epoch": best_epoch, "epochs": args.epochs, "trainer": "Models/training/train_torch.py",
                       "denseSupervision": True, "insertedLesions": args.inserted_lesions, "smoothDeformation": True,
                       "noiseUpTo": NOISE_UP_TO, "widths": list(widths), "bulges": args.bulges,
                       "torch": torch.__version__, "trainingSets": [list(s) for s in TRAINING_SETS],
                       "validationSets": [list(s) for s in VALIDATION_SETS], "positiveSlices": len(positives),
                       "negativeSlices": len(negatives), "history": history}, f, indent=2)
            f.write("\n")
        torch.save({"net": net.state_dict(), "optimiser": optimiser.state_dict(), "epoch": epoch, "bestAUC": best_auc,
                    "bestEpoch": best_epoch, "history": history, "validationEvery": args.validation_every}, CHECKPOINT)
        if args.minutes and time.time() - start > args.minutes * 60:
            print(f"stopping after epoch {epoch}: {args.minutes} minutes passed (resume with --resume)", flush=True)
            break
    print(f"best validation AUC {best_auc:.3f}; wrote {args.out} (calibrate with calibrate.py)")


if __name__ == "__main__":
    main()
