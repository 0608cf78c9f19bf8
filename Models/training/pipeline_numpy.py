"""radtriage's scoring pipeline in Python (numpy + Pillow): read a study, compute SUV, resample to the
model grid by area averaging, run a model from its manifest and safetensors weights, aggregate.

It is the "script a user would otherwise write", used three ways: to train the default model, as the
throughput baseline (Benchmarks/baseline), and as a second implementation whose study scores must
equal radtriage's within float32 rounding. It covers what the synthetic studies use (BQML with START
or ADMIN decay correction, GML), not every case radtriage handles.
"""
import datetime
import json
import os
import re
import struct
from zoneinfo import ZoneInfo

import numpy as np
from PIL import Image

# Half-lives in seconds, as in radtriage's built-in table (Sources/Quantification/RadionuclideTable.swift).
HALF_LIVES = {"F-18": 109.77 * 60, "Ga-68": 67.71 * 60, "C-11": 20.36 * 60, "Cu-64": 12.70 * 3600}


def natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def parse_time(text, zone):
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_study(folder, modality="PT"):
    """Returns (sidecar, series, slice files, per-slice (slope, intercept), SUV factor per stored unit
    is computed separately by suv_affine)."""
    with open(os.path.join(folder, "study.json")) as f:
        sidecar = json.load(f)
    series = next(s for s in sidecar["series"] if s["modality"].upper() == modality)
    directory = os.path.join(folder, series["folder"])
    if series.get("slices"):
        slices = [(os.path.join(directory, s["file"]), s.get("rescaleSlope", series.get("rescaleSlope", 1.0)),
                   s.get("rescaleIntercept", series.get("rescaleIntercept", 0.0))) for s in series["slices"]]
    else:
        names = sorted((n for n in os.listdir(directory) if n.lower().endswith(".png") and not n.startswith(".")), key=natural_key)
        slices = [(os.path.join(directory, n), series.get("rescaleSlope", 1.0), series.get("rescaleIntercept", 0.0)) for n in names]
    return sidecar, series, slices


def suv_per_bqml(sidecar, series):
    """SUVbw = C · W / D_ref: the factor W / D_ref (mL per Bq) for BQML; 1 for GML."""
    units = series["units"].upper()
    if units == "GML":
        return 1.0
    if units != "BQML":
        raise ValueError(f"units {units} not handled by the Python pipeline")
    drug = series["radiopharmaceutical"]
    half_life = HALF_LIVES[drug["radionuclide"]]
    if drug.get("halfLifeSeconds") and abs(drug["halfLifeSeconds"] - half_life) / half_life <= 0.01:
        half_life = drug["halfLifeSeconds"]
    decay = series["decayCorrection"].upper()
    if decay == "ADMIN":
        interval = 0.0
    elif decay == "START":
        zone = ZoneInfo(sidecar.get("timeZone", "UTC"))
        interval = (parse_time(series["seriesDateTime"], zone) - parse_time(drug["injectionDateTime"], zone)).total_seconds()
    else:
        raise ValueError(f"decay correction {decay} not handled by the Python pipeline")
    dose = drug["injectedActivityMBq"] * 1e6 * 2 ** (-interval / half_life)
    return sidecar["patientWeightKg"] * 1000 / dose


def decode(path):
    with Image.open(path) as image:
        return np.asarray(image, dtype=np.float64) if image.mode in ("I;16", "I;16B", "I", "L") else None


def area_weights(n_in, n_out):
    """Matrix [n_out, n_in] of area-averaging weights: each output is the mean over its footprint."""
    ratio = n_in / n_out
    weights = np.zeros((n_out, n_in))
    for o in range(n_out):
        low, high = o * ratio, (o + 1) * ratio
        for i in range(int(np.floor(low)), min(int(np.ceil(high)), n_in)):
            weights[o, i] = (min(high, i + 1) - max(low, i)) / ratio
    return weights


class Resampler:
    def __init__(self, shape_in, shape_out):
        self.rows = area_weights(shape_in[0], shape_out[0]).astype(np.float32)
        self.columns = area_weights(shape_in[1], shape_out[1]).astype(np.float32).T

    def __call__(self, image):
        return self.rows @ image.astype(np.float32) @ self.columns


def study_inputs(folder, manifest, indices=None):
    """Every slice of a study (or those at `indices`) on the model grid, normalised: float32 [slices, H, W];
    plus the SUVmax of the slices read."""
    sidecar, series, slices = read_study(folder, manifest["input"]["modality"])
    factor = suv_per_bqml(sidecar, series)
    grid = (manifest["input"]["height"], manifest["input"]["width"])
    spec = manifest["input"]
    resampler, out, suv_max = None, [], 0.0
    for path, slope, intercept in (slices if indices is None else [slices[i] for i in indices]):
        stored = decode(path)
        suv = (stored * slope + intercept) * factor
        suv_max = max(suv_max, float(suv.max()))
        if resampler is None:
            resampler = Resampler(suv.shape, grid)
        x = np.clip(resampler(suv.astype(np.float32)), spec["clipMin"], spec["clipMax"]) * spec["scale"] + spec["offset"]
        out.append(x.astype(np.float32))
    return np.stack(out), suv_max


# --- the network ---------------------------------------------------------------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    return {name: np.frombuffer(data[start + e["data_offsets"][0]:start + e["data_offsets"][1]], dtype="<f4").reshape(e["shape"])
            for name, e in header.items() if name != "__metadata__"}


def conv2d(x, w, b, stride=(1, 1), padding=(0, 0)):
    """x [B, C, H, W] float32, w [O, C, kh, kw]: im2col with a strided view, then one matmul."""
    (sh, sw), (ph, pw) = stride, padding
    o, c, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    batch, _, ho, wo = windows.shape[:4]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(batch * ho * wo, c * kh * kw)
    out = cols @ w.reshape(o, -1).T + b
    return out.reshape(batch, ho, wo, o).transpose(0, 3, 1, 2)


def pool2d(x, kernel, stride, op):
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]
    return windows.max(axis=(4, 5)) if op == "max" else windows.mean(axis=(4, 5))


def forward(manifest, weights, x):
    """x [B, H, W] (one input channel) or [B, C, H, W] normalised inputs → logits [B]."""
    return run_layers(manifest, weights, x).reshape(-1)


def logit_map(manifest, weights, x):
    """The network's map before its global pooling, [B, h, w]: where in the slice its logit comes from."""
    return run_layers(manifest, weights, x, before=("globalMaxPool", "globalAvgPool"))[:, 0]


def run_layers(manifest, weights, x, before=()):
    """The manifest's layers in order, stopping at the first layer whose type is in `before`."""
    x = x[:, None, :, :] if x.ndim == 3 else x
    for layer in manifest["layers"]:
        kind = layer["type"]
        if kind in before:
            return x
        if kind == "conv2d":
            x = conv2d(x, weights[layer["weight"]], weights[layer["bias"]], tuple(layer.get("stride", [1, 1])), tuple(layer.get("padding", [0, 0])))
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind in ("maxPool2d", "avgPool2d"):
            x = pool2d(x, tuple(layer["kernel"]), tuple(layer.get("stride", layer["kernel"])), "max" if kind == "maxPool2d" else "avg")
        elif kind == "globalMaxPool":
            x = x.max(axis=(2, 3), keepdims=True)
        elif kind == "globalAvgPool":
            x = x.mean(axis=(2, 3), keepdims=True)
        elif kind == "dense":
            x = (x.reshape(x.shape[0], -1) @ weights[layer["weight"]].T + weights[layer["bias"]])[:, :, None, None]
    return x


def aggregate(manifest, logits):
    method, k = manifest["aggregation"]["method"], manifest["aggregation"].get("k", 1)
    ranked = np.sort(logits)[::-1]
    logit = {"topKMeanLogit": lambda: ranked[:max(1, min(k, len(ranked)))].mean(),
             "maxLogit": lambda: ranked[0], "meanLogit": lambda: logits.mean()}[method]()
    return float(1 / (1 + np.exp(-logit))), float(logit)


def load_model(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    return manifest, read_safetensors(os.path.join(folder, manifest["weights"]["file"]))


def score_study(folder, manifest, weights, batch=32):
    inputs, suv_max = study_inputs(folder, manifest)
    logits = np.concatenate([forward(manifest, weights, inputs[i:i + batch]) for i in range(0, len(inputs), batch)])
    probability, logit = aggregate(manifest, logits)
    return {"probability": probability, "logit": logit, "sliceLogits": logits, "suvMax": suv_max}
