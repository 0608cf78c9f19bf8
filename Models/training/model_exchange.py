#!/usr/bin/env python3
"""The model-exchange check: PyTorch and radtriage compute the same slice logits for a model folder, on
real slices.

    .build/venv-train/bin/python Models/training/model_exchange.py --model Models/pet-default STUDY...

PyTorch builds the network from the manifest's layer list with its own layers (Conv2d, MaxPool2d,
Linear, ...), loads the tensors with safetensors' own loader, and runs it on each study's slices as
the manifest's input section says (pipeline_numpy.py: SUV, exact area averaging, clip, scale; 2.5-D
channels at the manifest's millimetre offsets, linearly interpolated and clamped at the ends).
radtriage scores the same studies (`radtriage score --json`). Every slice logit must agree within
float32 rounding (--tolerance, absolute plus the same relative to the logit). Prints one JSON line with
the largest difference; exit status 0 when they agree, 1 when not.

Needs torch, safetensors, numpy and Pillow (training only; `make test` runs the end-to-end test of
this script when such a Python is found, and says that it skipped it otherwise).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pipeline_numpy as pipeline  # noqa: E402
from train_default_model import stack  # noqa: E402


def torch_network(manifest, tensors):
    """The manifest's layers as a torch.nn.Sequential, with the file's tensors."""
    modules = []
    for layer in manifest["layers"]:
        kind = layer["type"]
        if kind == "conv2d":
            module = nn.Conv2d(layer["inChannels"], layer["outChannels"], tuple(layer["kernel"]),
                               stride=tuple(layer.get("stride", [1, 1])), padding=tuple(layer.get("padding", [0, 0])))
        elif kind == "dense":
            modules.append(nn.Flatten())
            module = nn.Linear(layer["inFeatures"], layer["outFeatures"])
        else:
            modules.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid}.get(kind, lambda: None)() or
                           {"maxPool2d": lambda: nn.MaxPool2d(tuple(layer["kernel"]), tuple(layer.get("stride", layer["kernel"]))),
                            "avgPool2d": lambda: nn.AvgPool2d(tuple(layer["kernel"]), tuple(layer.get("stride", layer["kernel"]))),
                            "globalMaxPool": lambda: nn.AdaptiveMaxPool2d(1),
                            "globalAvgPool": lambda: nn.AdaptiveAvgPool2d(1)}[kind]())
            continue
        with torch.no_grad():
            module.weight.copy_(tensors[layer["weight"]])
            module.bias.copy_(tensors[layer["bias"]])
        modules.append(module)
    return nn.Sequential(*modules).eval()


def study_spacing(folder, modality):
    with open(os.path.join(folder, "study.json")) as f:
        return next(s for s in json.load(f)["series"] if s["modality"].upper() == modality)["sliceSpacingMm"]


@torch.no_grad()
def torch_logits(network, manifest, folder):
    volume, _ = pipeline.study_inputs(folder, manifest)
    offsets = manifest["input"].get("sliceOffsetsMm", [0.0])
    x = stack(volume, np.arange(len(volume)), study_spacing(folder, manifest["input"]["modality"]), offsets)
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32))
    return torch.cat([network(x[i:i + 64]).reshape(-1) for i in range(0, len(x), 64)]).numpy().astype(np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radtriage", default=os.path.join(HERE, "..", "..", ".build", "release", "radtriage"))
    parser.add_argument("--model", required=True)
    parser.add_argument("--tolerance", type=float, default=1e-3)
    parser.add_argument("studies", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.model, "manifest.json")) as f:
        manifest = json.load(f)
    network = torch_network(manifest, load_file(os.path.join(args.model, manifest["weights"]["file"])))
    run = subprocess.run([args.radtriage, "score", "--model", args.model, "--json", *args.studies], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"radtriage score exited {run.returncode}: {run.stderr[-2000:]}")
    scored = {os.path.realpath(r["path"]): r for r in json.loads(run.stdout)["scored"]}
    worst, slices = 0.0, 0
    for folder in args.studies:
        theirs = np.array(scored[os.path.realpath(folder)]["sliceLogits"], dtype=np.float64)
        ours = torch_logits(network, manifest, folder)
        if ours.shape != theirs.shape:
            sys.exit(f"{folder}: PyTorch computed {len(ours)} slice logits, radtriage {len(theirs)}")
        excess = np.abs(ours - theirs) / (args.tolerance * (1 + np.abs(ours)))
        worst = max(worst, float(excess.max()))
        slices += len(ours)
        if excess.max() > 1:
            i = int(excess.argmax())
            print(json.dumps({"agree": False, "study": os.path.basename(folder), "slice": i, "torch": ours[i], "radtriage": theirs[i]}))
            return 1
    print(json.dumps({"agree": True, "studies": len(args.studies), "slices": slices,
                      "largestDifferenceInTolerances": round(worst, 4), "tolerance": args.tolerance}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
