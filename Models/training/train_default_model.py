#!/usr/bin/env python3
"""Trains radtriage's default PET model on synthetic studies and exports it to Models/pet-default.

    python3 Models/training/train_default_model.py            # from the repository root, after
                                                               # `swift build -c release`
Steps:
  1. `radtriage synth` writes training, validation and test studies with separate seeds;
  2. the studies become model inputs with the same pipeline radtriage runs (pipeline_numpy.py):
     SUV, area-averaged to 128 × 128, clipped to [0, 20] and divided by 10;
  3. a small CNN is trained slice by slice with numpy (hand-written backward pass, Adam), a slice
     being positive when a lesion's sphere crosses it; the validation AUC picks the epoch;
  4. the weights are written as safetensors with a manifest;
  5. evaluate_model.py scores the held-out test studies with radtriage itself and writes the model card.

Needs numpy and Pillow; not needed to build, test or run radtriage.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pipeline_numpy as pipeline  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL_DIR = os.path.join(ROOT, "Models", "pet-default")
SLICES = 200
SEEDS = {"train": 101, "validation": 202, "test": 303}

MANIFEST = {
    "formatVersion": 1,
    "name": "radtriage-pet-default",
    "version": "1.0.0",
    "description": "Slice-level lesion detector for FDG PET, trained on radtriage synth phantoms only. Not for clinical use.",
    "input": {"modality": "PT", "units": "SUV", "height": 128, "width": 128, "clipMin": 0, "clipMax": 20, "scale": 0.1, "offset": 0},
    "layers": [
        {"type": "conv2d", "inChannels": 1, "outChannels": 8, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1], "weight": "conv1.weight", "bias": "conv1.bias"},
        {"type": "relu"},
        {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        {"type": "conv2d", "inChannels": 8, "outChannels": 16, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1], "weight": "conv2.weight", "bias": "conv2.bias"},
        {"type": "relu"},
        {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        {"type": "conv2d", "inChannels": 16, "outChannels": 32, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1], "weight": "conv3.weight", "bias": "conv3.bias"},
        {"type": "relu"},
        {"type": "globalMaxPool"},
        {"type": "dense", "inFeatures": 32, "outFeatures": 1, "weight": "head.weight", "bias": "head.bias"},
    ],
    "aggregation": {"method": "topKMeanLogit", "k": 3},
    "weights": {"file": "weights.safetensors", "sha256": ""},
}


def synthesize(radtriage, work, split, studies, lesion_probability):
    folder = os.path.join(work, split)
    if not os.path.isdir(folder) or len(os.listdir(folder)) < studies:
        subprocess.run([radtriage, "synth", "--out", folder, "--studies", str(studies), "--slices", str(SLICES),
                        "--seed", str(SEEDS[split]), "--lesion-probability", str(lesion_probability)], check=True)
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if not name.startswith("."))


def slice_labels(study, count):
    """1 for slices whose centre lies within a lesion's radius along the body axis."""
    with open(os.path.join(study, "ground_truth.json")) as f:
        truth = json.load(f)
    with open(os.path.join(study, "study.json")) as f:
        spacing = json.load(f)["series"][0]["sliceSpacingMm"]
    labels = np.zeros(count, dtype=np.float32)
    for lesion in truth["lesions"]:
        centre, radius = lesion["centreVoxel"][2], lesion["diameterMm"] / 2
        for index in range(count):
            if abs(index - centre) * spacing <= radius:
                labels[index] = 1
    return labels, truth["hasLesion"]


def load(studies):
    inputs, labels, owners = [], [], []
    for number, study in enumerate(studies):
        x, _ = pipeline.study_inputs(study, MANIFEST)
        y, _ = slice_labels(study, len(x))
        inputs.append(x)
        labels.append(y)
        owners.append(np.full(len(x), number))
    return np.concatenate(inputs), np.concatenate(labels), np.concatenate(owners)


# --- the network, forward and backward ------------------------------------------------------------
# Training keeps activations as [B, H, W, C] so that im2col, pooling and the GEMMs need no transposes;
# the weights keep PyTorch's [out, in, kh, kw] layout, which is what the manifest declares.

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
    # Ties would share the gradient several times; dividing by the tie count keeps it exact.
    spread = mask / mask.sum(axis=(2, 4), keepdims=True)
    return (spread * dout[:, :, None, :, None, :]).reshape(b, h * 2, w * 2, c)


def forward(params, x, cache=None):
    """x [B, H, W] normalised inputs → logits [B]."""
    z1, c1 = conv_forward(x[:, :, :, None], params["conv1.weight"], params["conv1.bias"])
    a1 = np.maximum(z1, 0)
    p1, m1 = pool_forward(a1)
    z2, c2 = conv_forward(p1, params["conv2.weight"], params["conv2.bias"])
    a2 = np.maximum(z2, 0)
    p2, m2 = pool_forward(a2)
    z3, c3 = conv_forward(p2, params["conv3.weight"], params["conv3.bias"])
    a3 = np.maximum(z3, 0)
    flat = a3.reshape(a3.shape[0], -1, a3.shape[3])
    where = flat.argmax(axis=1)
    g = np.take_along_axis(flat, where[:, None, :], axis=1)[:, 0, :]
    logits = g @ params["head.weight"][0] + params["head.bias"][0]
    if cache is not None:
        cache.update(dict(x=x, z1=z1, c1=c1, m1=m1, p1=p1, z2=z2, c2=c2, m2=m2, p2=p2, z3=z3, c3=c3, where=where, g=g))
    return logits


def backward(params, cache, dlogits):
    grads = {"head.weight": (dlogits[:, None] * cache["g"]).sum(axis=0)[None, :], "head.bias": np.array([dlogits.sum()], dtype=np.float32)}
    dg = dlogits[:, None] * params["head.weight"][0][None, :]
    z3 = cache["z3"]
    da3 = np.zeros((z3.shape[0], z3.shape[1] * z3.shape[2], z3.shape[3]), dtype=np.float32)
    np.put_along_axis(da3, cache["where"][:, None, :], dg[:, None, :], axis=1)
    dz3 = da3.reshape(z3.shape) * (z3 > 0)
    grads["conv3.weight"], grads["conv3.bias"], dp2 = conv_backward(dz3, cache["c3"], params["conv3.weight"], cache["p2"].shape)
    dz2 = pool_backward(dp2, cache["m2"]) * (cache["z2"] > 0)
    grads["conv2.weight"], grads["conv2.bias"], dp1 = conv_backward(dz2, cache["c2"], params["conv2.weight"], cache["p1"].shape)
    dz1 = pool_backward(dp1, cache["m1"]) * (cache["z1"] > 0)
    grads["conv1.weight"], grads["conv1.bias"], _ = conv_backward(
        dz1, cache["c1"], params["conv1.weight"], cache["x"][:, :, :, None].shape, need_input_gradient=False)
    return grads


def initial_parameters(rng):
    params = {}
    for layer in MANIFEST["layers"]:
        if layer["type"] == "conv2d":
            fan_in = layer["inChannels"] * 9
            params[layer["weight"]] = (rng.normal(0, np.sqrt(2 / fan_in), (layer["outChannels"], layer["inChannels"], 3, 3))).astype(np.float32)
            params[layer["bias"]] = np.zeros(layer["outChannels"], dtype=np.float32)
        elif layer["type"] == "dense":
            params[layer["weight"]] = (rng.normal(0, np.sqrt(1 / layer["inFeatures"]), (1, layer["inFeatures"]))).astype(np.float32)
            params[layer["bias"]] = np.zeros(1, dtype=np.float32)
    return params


def study_auc(params, x, owners, labels_by_study, batch=64):
    logits = np.concatenate([forward(params, x[i:i + batch]) for i in range(0, len(x), batch)])
    scores = []
    for study in range(owners.max() + 1):
        mine = np.sort(logits[owners == study])[::-1]
        scores.append(mine[:MANIFEST["aggregation"]["k"]].mean())
    return auc(np.array(scores), labels_by_study)


def auc(scores, labels):
    """Probability that a random positive outranks a random negative (ties count half)."""
    positives, negatives = scores[labels == 1], scores[labels == 0]
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    greater = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (positives[:, None] == negatives[None, :]).sum()
    return float(greater / (len(positives) * len(negatives)))


def train(args):
    rng = np.random.default_rng(7)
    work = args.work
    train_studies = synthesize(args.radtriage, work, "train", args.train_studies, 0.7)
    validation_studies = synthesize(args.radtriage, work, "validation", args.validation_studies, 0.5)
    start = time.time()
    x, y, _ = load(train_studies)
    xv, _, owners_v = load(validation_studies)
    labels_v = np.array([slice_labels(s, 1)[1] for s in validation_studies], dtype=np.float32)
    print(f"loaded {len(x)} training slices ({int(y.sum())} with a lesion) and {len(xv)} validation slices in {time.time() - start:.0f} s", flush=True)

    params = initial_parameters(rng)
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    # Hard negatives: slices whose hottest input is high (bladder, brain, heart) are drawn more often.
    heat = x[negatives].reshape(len(negatives), -1).max(axis=1)
    weights = 0.2 + heat / heat.max()
    weights /= weights.sum()
    best = (-1.0, None, 0)
    step = 0
    for epoch in range(1, args.epochs + 1):
        chosen = np.concatenate([positives, rng.choice(negatives, size=3 * len(positives), replace=False, p=weights)])
        rng.shuffle(chosen)
        losses = []
        epoch_start = time.time()
        rate = args.learning_rate * (0.5 ** ((epoch - 1) // 3))
        for begin in range(0, len(chosen), args.batch):
            index = chosen[begin:begin + args.batch]
            batch = x[index]
            flip = rng.random(len(index)) < 0.5
            batch = np.where(flip[:, None, None], batch[:, :, ::-1], batch)
            batch = batch * rng.uniform(0.85, 1.15, size=(len(index), 1, 1)).astype(np.float32)
            target = y[index]
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
        validation = study_auc(params, xv, owners_v, labels_v)
        print(f"epoch {epoch:2d}: loss {np.mean(losses):.4f}, validation study AUC {validation:.3f}, {time.time() - epoch_start:.0f} s", flush=True)
        if validation > best[0]:
            best = (validation, {k: v.copy() for k, v in params.items()}, epoch)
    print(f"best validation AUC {best[0]:.3f} at epoch {best[2]}")
    return best


def export(params, info):
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
    manifest = json.loads(json.dumps(MANIFEST))
    with open(path, "rb") as f:
        manifest["weights"]["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(MODEL_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(ROOT, ".build", "release", "radtriage"))
    parser.add_argument("--work", default="/tmp/radtriage-training")
    parser.add_argument("--train-studies", type=int, default=100)
    parser.add_argument("--validation-studies", type=int, default=25)
    parser.add_argument("--test-studies", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    args = parser.parse_args()
    validation_auc, params, epoch = train(args)
    export(params, {"validation_auc": round(validation_auc, 4), "epoch": epoch, "train_seed": SEEDS["train"],
                    "train_studies": args.train_studies, "slices_per_study": SLICES})
    test = synthesize(args.radtriage, args.work, "test", args.test_studies, 0.5)
    subprocess.run([sys.executable, os.path.join(HERE, "evaluate_model.py"), "--radtriage", args.radtriage,
                    "--studies", os.path.dirname(test[0]), "--card", "--validation-auc", f"{validation_auc:.3f}",
                    "--train-studies", str(args.train_studies), "--validation-studies", str(args.validation_studies)], check=True)


if __name__ == "__main__":
    main()
