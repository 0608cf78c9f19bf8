#!/usr/bin/env python3
"""A diagnostic, never a model to ship: train_torch.py's recipe with the held-out family `lumpy` added to
training and validation (seeds of its own; evaluate.py's test seed untouched), to measure how far this
network and recipe get on `lumpy` when `lumpy` is not held out at all.

    .build/venv-train/bin/python Models/training/in_family_ceiling.py --out /tmp/ceiling
    python3 Models/training/compare.py --candidate /tmp/ceiling --set held-out-family-lumpy

If the in-family AUC is far above the shipped model's, the gap on `lumpy` is the domain shift (more varied
training data would close it); if it is not, the gap is what this detector can do at `lumpy`'s noise and
physiology. Takes every option train_torch.py takes, but refuses to write into Models/pet-default.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_torch  # noqa: E402

# (name, family, studies, slices, seed, first study number, lesion probability): seeds used nowhere else.
LUMPY_TRAINING = [("train-lumpy-a", "lumpy", 120, 220, 1301, 1701, 0.8),
                  ("train-lumpy-b", "lumpy", 80, 260, 1302, 1901, 0.8)]
LUMPY_VALIDATION = [("validation-lumpy", "lumpy", 40, 210, 2206, 501, 0.5)]


def main():
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv[:-1] else None
    if out is None or os.path.realpath(out) == os.path.realpath(os.path.join(train_torch.ROOT, "Models", "pet-default")):
        sys.exit("in_family_ceiling.py: give --out a folder other than Models/pet-default (this model has seen the held-out family)")
    train_torch.TRAINING_SETS = train_torch.TRAINING_SETS + LUMPY_TRAINING
    train_torch.VALIDATION_SETS = train_torch.VALIDATION_SETS + LUMPY_VALIDATION
    train_torch.main()


if __name__ == "__main__":
    main()
