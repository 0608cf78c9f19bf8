"""Synthetic study sets cached under .build/ for training and evaluation, never stale: a set is written
again when its options changed or when `radtriage synth` no longer writes the same bytes (the first
study is written afresh and compared), so figures are never measured on an older generator's phantoms."""
import filecmp
import json
import os
import shutil
import subprocess
import tempfile


DEFAULT_MATRIX = 256  # radtriage synth's PET matrix when --matrix is not given


def write_studies(radtriage, folder, family, studies, slices, seed, probability, first, matrix=DEFAULT_MATRIX, noise=1.0):
    """`radtriage synth` into `folder` (no cache: what cached_studies and noise_check.py call)."""
    subprocess.run(["nice", "-n", "10", radtriage, "synth", "--out", folder, "--studies", str(studies), "--slices", str(slices),
                    "--seed", str(seed), "--first-study", str(first), "--family", family, "--lesion-probability", str(probability),
                    "--matrix", str(matrix), "--noise", str(noise)],
                   check=True, stdout=subprocess.DEVNULL)


def _listing(folder):
    return sorted(n for n in os.listdir(folder) if not n.startswith(".")) if os.path.isdir(folder) else []


def _same_as_generator(radtriage, folder, options):
    """Writes the set's first study again and compares its ground truth and its middle PET slice."""
    with tempfile.TemporaryDirectory(prefix="radtriage-synth-check-") as scratch:
        write_studies(radtriage, scratch, options["family"], 1, options["slices"], options["seed"], options["lesionProbability"],
               options["firstStudy"], options.get("matrix", DEFAULT_MATRIX))
        (name,) = _listing(scratch)
        middle = os.path.join("PT", f"{options['slices'] // 2:04d}.png")
        return all(os.path.exists(os.path.join(folder, name, part)) and
                   filecmp.cmp(os.path.join(scratch, name, part), os.path.join(folder, name, part), shallow=False)
                   for part in ("ground_truth.json", middle))


def cached_studies(radtriage, folder, family, studies, slices, seed, probability, first=1, matrix=DEFAULT_MATRIX):
    """The set's study folders, sorted, written by `radtriage synth` unless an up-to-date copy is cached."""
    options = {"family": family, "studies": studies, "slices": slices, "seed": seed, "lesionProbability": probability,
               "firstStudy": first}
    if matrix != DEFAULT_MATRIX:
        options["matrix"] = matrix  # only when set, so that sets cached before matrices varied stay valid
    stamp = os.path.join(folder, ".synth-options.json")
    recorded = json.load(open(stamp)) if os.path.exists(stamp) else None
    # A set cached before stamps were written is kept when it is whole and the generator still writes it.
    fresh = len(_listing(folder)) == studies and recorded in (None, options) and _same_as_generator(radtriage, folder, options)
    if fresh and recorded is None:
        with open(stamp, "w") as f:
            json.dump(options, f)
    if not fresh:
        if os.path.isdir(folder):
            print(f"{os.path.basename(folder)}: writing again ({'options changed' if recorded != options else 'the generator changed'})",
                  flush=True)
            shutil.rmtree(folder)
        write_studies(radtriage, folder, family, studies, slices, seed, probability, first, matrix)
        with open(stamp, "w") as f:
            json.dump(options, f)
    return [os.path.join(folder, n) for n in _listing(folder)]
