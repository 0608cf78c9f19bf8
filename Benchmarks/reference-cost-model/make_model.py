#!/usr/bin/env python3
"""Writes a model of the cost the throughput targets were set with (issue 6): a 2-layer 3 × 3 network
with 16 and 32 filters on a 128 × 128 grid, about 43 MFLOP per slice, with random weights. Its scores
mean nothing; it exists so that `radtriage bench --model DIR` measures the pipeline with a model of
that cost, beside the default model (21 MFLOP).

    python3 Benchmarks/reference-cost-model/make_model.py [OUT]     (default /tmp/radtriage-reference-cost-model)
"""
import hashlib
import json
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "ScoringTests", "Reference"))
from make_reference import conv, dense, write_safetensors  # noqa: E402


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/radtriage-reference-cost-model"
    os.makedirs(out, exist_ok=True)
    layers = [conv("conv1", 1, 16, 3, 1, 1), {"type": "relu"}, {"type": "maxPool2d", "kernel": [2, 2], "stride": [2, 2]},
              conv("conv2", 16, 32, 3, 1, 1), {"type": "relu"}, {"type": "globalMaxPool"}, dense("head", 32, 1)]
    rng = np.random.default_rng(43)
    weights = {}
    for layer in layers:
        if layer["type"] == "conv2d":
            fan_in = layer["inChannels"] * 9
            weights[layer["weight"]] = rng.normal(0, np.sqrt(2 / fan_in), (layer["outChannels"], layer["inChannels"], 3, 3))
            weights[layer["bias"]] = np.zeros(layer["outChannels"])
        elif layer["type"] == "dense":
            weights[layer["weight"]] = rng.normal(0, 0.1, (layer["outFeatures"], layer["inFeatures"]))
            weights[layer["bias"]] = np.zeros(layer["outFeatures"])
    path = os.path.join(out, "weights.safetensors")
    write_safetensors(path, weights)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    manifest = {
        "formatVersion": 1, "name": "reference-cost", "version": "1.0.0",
        "description": "Random weights at the cost of issue 6's reference network (43 MFLOP per slice). For benchmarks only.",
        "input": {"modality": "PT", "units": "SUV", "height": 128, "width": 128, "clipMin": 0, "clipMax": 20, "scale": 0.1, "offset": 0},
        "layers": layers, "aggregation": {"method": "topKMeanLogit", "k": 3},
        "weights": {"file": "weights.safetensors", "sha256": digest},
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
