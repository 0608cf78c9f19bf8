#!/usr/bin/env python3
"""Independent reference for radtriage's inference engine: the same forward pass in numpy float64.

Writes Tests/ScoringTests/Fixtures/<case>/ with a model folder (manifest.json, weights.safetensors),
the float32 inputs (input.f32, little-endian, [batch][height][width]) and the reference outputs of every
layer in the engine's layout [C][B][H][W] (reference.f32: the layers one after another, computed in
float64 and stored rounded to float32, which is 1000 times finer than the test's 1e-4 tolerance;
reference.json: the batch and each layer's value count). The Swift tests run the engine on the same
inputs and compare. Regenerate with:

    python3 Tests/ScoringTests/Reference/make_reference.py

Only numpy is needed. The random values are seeded, so the fixtures are reproducible.
"""
import hashlib
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Fixtures")


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)  # the format pads the header to a multiple of 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def conv2d(x, w, b, stride, padding):
    """x [B, C, H, W], w [O, C, kh, kw] -> [B, O, Ho, Wo], direct loops over the kernel (no im2col)."""
    batch, channels, height, width = x.shape
    out_channels, _, kh, kw = w.shape
    (sh, sw), (ph, pw) = stride, padding
    padded = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw))
    padded[:, :, ph:ph + height, pw:pw + width] = x
    ho, wo = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    out = np.zeros((batch, out_channels, ho, wo))
    for ky in range(kh):
        for kx in range(kw):
            patch = padded[:, :, ky:ky + sh * (ho - 1) + 1:sh, kx:kx + sw * (wo - 1) + 1:sw]
            out += np.einsum("bchw,oc->bohw", patch, w[:, :, ky, kx])
    return out + b[None, :, None, None]


def pool(x, kernel, stride, op):
    batch, channels, height, width = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    ho, wo = (height - kh) // sh + 1, (width - kw) // sw + 1
    windows = np.stack([x[:, :, ky:ky + sh * (ho - 1) + 1:sh, kx:kx + sw * (wo - 1) + 1:sw]
                        for ky in range(kh) for kx in range(kw)])
    return windows.max(axis=0) if op == "max" else windows.mean(axis=0)


def forward(layers, weights, x):
    """Returns every layer's output, each [B, C, H, W] (dense outputs as [B, O, 1, 1])."""
    outputs = []
    for layer in layers:
        kind = layer["type"]
        if kind == "conv2d":
            x = conv2d(x, weights[layer["weight"]], weights[layer["bias"]], layer["stride"], layer["padding"])
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind in ("maxPool2d", "avgPool2d"):
            x = pool(x, layer["kernel"], layer["stride"], "max" if kind == "maxPool2d" else "avg")
        elif kind == "globalMaxPool":
            x = x.max(axis=(2, 3), keepdims=True)
        elif kind == "globalAvgPool":
            x = x.mean(axis=(2, 3), keepdims=True)
        elif kind == "dense":
            flat = x.reshape(x.shape[0], -1)  # PyTorch's flatten order: (c, y, x)
            x = (flat @ weights[layer["weight"]].T + weights[layer["bias"]])[:, :, None, None]
        outputs.append(x)
    return outputs


def conv(name, cin, cout, k, stride=1, padding=0):
    return {"type": "conv2d", "inChannels": cin, "outChannels": cout, "kernel": [k, k], "stride": [stride, stride],
            "padding": [padding, padding], "weight": f"{name}.weight", "bias": f"{name}.bias"}


def dense(name, fin, fout):
    return {"type": "dense", "inFeatures": fin, "outFeatures": fout, "weight": f"{name}.weight", "bias": f"{name}.bias"}


CASES = {
    # Odd sizes, padding 1 then stride 2 without padding, max pooling, global max: the default model's shape.
    "odd-stride2": dict(height=13, width=17, batch=3, layers=[
        conv("c1", 1, 4, 3, 1, 1), {"type": "relu"}, {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        conv("c2", 4, 6, 3, 2, 0), {"type": "relu"}, {"type": "globalMaxPool"}, dense("fc", 6, 1)]),
    # 5×5 with padding 2, overlapping average pooling, a 1×1 convolution, global average.
    "kernel5-avgpool": dict(height=20, width=20, batch=1, layers=[
        conv("c1", 1, 3, 5, 1, 2), {"type": "avgPool2d", "kernel": [3, 3], "stride": [2, 2]},
        conv("c2", 3, 2, 1, 1, 0), {"type": "relu"}, {"type": "globalAvgPool"}, dense("fc", 2, 1)]),
    # Stride 2 with padding, a sigmoid inside, and a dense layer over a flattened 3-D activation.
    "flatten-dense": dict(height=16, width=15, batch=2, layers=[
        conv("c1", 1, 2, 3, 2, 1), {"type": "relu"}, conv("c2", 2, 3, 3, 1, 0), {"type": "sigmoid"},
        dense("fc", 3 * 6 * 6, 4), {"type": "relu"}, dense("out", 4, 1)]),
    # 48 × 48 = 2304 positions per slice: the second convolution (k = 36) runs in GEMM chunks of 2048,
    # so each slice spans two GEMM calls; two slices check that a batch does not mix them.
    "chunked": dict(height=48, width=48, batch=2, layers=[
        conv("c1", 1, 4, 3, 1, 1), {"type": "relu"}, conv("c2", 4, 5, 3, 1, 1), {"type": "relu"},
        {"type": "globalMaxPool"}, dense("fc", 5, 1)]),
    # 2.5-D input: three channels (the slice and its neighbours), a batch of three slots rearranged into
    # the layers' [C][B][H][W], a first layer that is a GEMM over 3 · 9 values.
    "multichannel": dict(height=12, width=14, batch=3, offsets=[-8.0, 0.0, 8.0], layers=[
        conv("c1", 3, 4, 3, 1, 1), {"type": "relu"}, {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
        conv("c2", 4, 5, 3, 1, 1), {"type": "relu"}, {"type": "globalMaxPool"}, dense("fc", 5, 1)]),
}

# A whole series fed slice by slice through SliceContext: channel c of slice i is the series at
# i + offsets[c] / spacing, interpolated linearly in float64 here and clamped to the first and last slice.
VOLUME = dict(height=10, width=12, slices=9, spacing=3.0, offsets=[-7.0, 0.0, 4.5], layers=[
    conv("c1", 3, 4, 3, 1, 1), {"type": "relu"}, conv("c2", 4, 3, 3, 2, 0), {"type": "relu"},
    {"type": "globalMaxPool"}, dense("fc", 3, 1)])


def stack(volume, spacing, offsets):
    """[S, H, W] → [S, C, H, W]."""
    last = len(volume) - 1
    out = np.zeros((len(volume), len(offsets)) + volume.shape[1:])
    for i in range(len(volume)):
        for c, offset in enumerate(offsets):
            position = min(max(i + offset / spacing, 0), last)
            low = int(np.floor(position))
            high = min(low + 1, last)
            t = position - low
            out[i, c] = (1 - t) * volume[low] + t * volume[high]
    return out


def random_weights(layers, rng):
    weights = {}
    for layer in layers:
        if layer["type"] == "conv2d":
            fan_in = layer["inChannels"] * layer["kernel"][0] * layer["kernel"][1]
            weights[layer["weight"]] = rng.normal(0, 1 / np.sqrt(fan_in), (layer["outChannels"], layer["inChannels"], *layer["kernel"]))
            weights[layer["bias"]] = rng.normal(0, 0.1, layer["outChannels"])
        elif layer["type"] == "dense":
            weights[layer["weight"]] = rng.normal(0, 1 / np.sqrt(layer["inFeatures"]), (layer["outFeatures"], layer["inFeatures"]))
            weights[layer["bias"]] = rng.normal(0, 0.1, layer["outFeatures"])
    # The engine computes in float32: the reference uses the float32-rounded weights and inputs in float64.
    return {k: v.astype(np.float32).astype(np.float64) for k, v in weights.items()}


def write_model(folder, name, case, weights):
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "weights.safetensors"), weights)
    with open(os.path.join(folder, "weights.safetensors"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    manifest = {
        "formatVersion": 1, "name": f"reference-{name}", "version": "1",
        "description": "random weights for the engine's reference test",
        "input": {"modality": "PT", "units": "SUV", "height": case["height"], "width": case["width"],
                  "clipMin": -100, "clipMax": 100, "scale": 1, "offset": 0},
        "layers": case["layers"], "aggregation": {"method": "topKMeanLogit", "k": 2},
        "weights": {"file": "weights.safetensors", "sha256": digest},
    }
    if "offsets" in case:
        manifest["input"]["sliceOffsetsMm"] = case["offsets"]
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


def make_volume_case(rng):
    folder = os.path.join(FIXTURES, "context-volume")
    weights = random_weights(VOLUME["layers"], rng)
    write_model(folder, "context-volume", VOLUME, weights)
    volume = rng.normal(0, 1, (VOLUME["slices"], VOLUME["height"], VOLUME["width"])).astype(np.float32)
    volume.astype("<f4").tofile(os.path.join(folder, "volume.f32"))
    logits = forward(VOLUME["layers"], weights, stack(volume.astype(np.float64), VOLUME["spacing"], VOLUME["offsets"]))[-1]
    logits.reshape(-1).astype("<f4").tofile(os.path.join(folder, "logits.f32"))
    with open(os.path.join(folder, "volume.json"), "w") as f:
        json.dump({"slices": VOLUME["slices"], "sliceSpacingMm": VOLUME["spacing"]}, f)


def make_case(name, case, rng):
    folder = os.path.join(FIXTURES, name)
    weights = random_weights(case["layers"], rng)
    write_model(folder, name, case, weights)
    x = rng.normal(0, 1, (case["batch"], len(case.get("offsets", [0])), case["height"], case["width"])).astype(np.float32)
    x.astype("<f4").tofile(os.path.join(folder, "input.f32"))
    outputs = forward(case["layers"], weights, x.astype(np.float64))
    # The engine's layout is [C][B][H][W]: transpose from [B][C][H][W].
    layers = [o.transpose(1, 0, 2, 3).reshape(-1) for o in outputs]
    np.concatenate(layers).astype("<f4").tofile(os.path.join(folder, "reference.f32"))
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"batch": case["batch"], "layerCounts": [len(layer) for layer in layers]}, f)


if __name__ == "__main__":
    rng = np.random.default_rng(20261122)
    for name, case in CASES.items():
        make_case(name, case, rng)
        print("wrote", name)
    make_volume_case(rng)
    print("wrote context-volume")
