#!/usr/bin/env bash
# Rebuilds SampleData/ from radtriage synth: two sound studies and one broken on purpose.
# Usage: SampleData/make-sample-data.sh [path-to-radtriage]   (default: .build/release/radtriage)
set -euo pipefail
cd "$(dirname "$0")"
radtriage=${1:-../.build/release/radtriage}
common=(--slices 64 --matrix 128 --seed 2026 --compression 9)
rm -rf S0001 S0002 S0003
"$radtriage" synth --out . --studies 1 --first-study 1 --lesion-probability 1 "${common[@]}"
"$radtriage" synth --out . --studies 1 --first-study 2 --lesion-probability 0 "${common[@]}"
"$radtriage" synth --out . --studies 1 --first-study 3 --lesion-probability 1 "${common[@]}"
# S0003 is broken on purpose: slice 0032.png is cut short, as a failed transfer would leave it.
head -c 2000 S0003/PT/0032.png > S0003/PT/0032.png.tmp && mv S0003/PT/0032.png.tmp S0003/PT/0032.png
# A DICOM study, as a PACS export would nest it: PET Image Storage files, no sidecar.
rm -rf DICOM
"$radtriage" synth --out DICOM --studies 1 --first-study 4 --lesion-probability 1 --format dicom --slices 48 --matrix 96 --seed 2026
du -sh .
