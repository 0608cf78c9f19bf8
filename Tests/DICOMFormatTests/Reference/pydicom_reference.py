"""What pydicom (the independent reader) makes of DICOM files: tags and a digest of the pixel array.

Usage: pydicom_reference.py FILE_OR_FOLDER...   prints one JSON object per file, one per line.
Tags are the ones radtriage reads; DS/IS and binary numbers as lists of floats, text as trimmed strings
(multiple values joined with a backslash). Pixels: SHA-256 of pixel_array as little-endian bytes in C order,
with the shape and dtype, or the error pydicom raised.
"""
import hashlib
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.multival import MultiValue

TOP_LEVEL = [
    "Modality", "Units", "RescaleSlope", "RescaleIntercept", "PatientWeight", "SeriesDate", "SeriesTime",
    "AcquisitionTime", "DecayCorrection", "ImagePositionPatient", "ImageOrientationPatient", "SliceThickness",
    "PixelSpacing", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "PatientID",
    "AccessionNumber", "InstanceNumber", "PatientName", "InstitutionName", "CorrectedImage", "Rows", "Columns",
    "BitsAllocated", "BitsStored", "PixelRepresentation", "SamplesPerPixel", "NumberOfFrames",
]
DRUG = ["Radiopharmaceutical", "RadiopharmaceuticalStartTime", "RadiopharmaceuticalStartDateTime",
        "RadionuclideTotalDose", "RadionuclideHalfLife"]
NUMERIC_VRS = {"DS", "IS", "US", "SS", "UL", "SL", "FL", "FD"}


def value_of(ds, keyword):
    if keyword not in ds:
        return None
    element = ds[keyword]
    value = element.value
    if value is None or value == "" or (isinstance(value, (list, MultiValue)) and len(value) == 0):
        return None
    values = list(value) if isinstance(value, (list, MultiValue)) else [value]
    if element.VR in NUMERIC_VRS:
        try:
            return {"numbers": [float(v) for v in values]}
        except (TypeError, ValueError):
            return {"unparsable": str(value)}
    text = "\\".join(str(v) for v in values).strip(" \0")
    return {"text": text} if text else None


def describe(path):
    record = {"file": path}
    try:
        ds = pydicom.dcmread(path, force=False)
    except Exception as error:  # noqa: BLE001 - any failure is a refusal to compare
        record["error"] = f"{type(error).__name__}: {error}"
        return record
    record["transferSyntax"] = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    tags = {k: value_of(ds, k) for k in TOP_LEVEL}
    drugs = ds.get("RadiopharmaceuticalInformationSequence")
    if drugs:
        for k in DRUG:
            tags["Drug." + k] = value_of(drugs[0], k)
    record["tags"] = {k: v for k, v in tags.items() if v is not None}
    if "PixelData" in ds:
        try:
            array = ds.pixel_array
            little = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
            record["pixels"] = {"sha256": hashlib.sha256(little.tobytes()).hexdigest(), "count": int(array.size),
                                "dtype": str(array.dtype)}
        except Exception as error:  # noqa: BLE001
            record["pixelError"] = f"{type(error).__name__}: {error}"
    return record


def main(arguments):
    for argument in arguments:
        paths = [argument]
        if os.path.isdir(argument):
            paths = sorted(os.path.join(root, name) for root, _, names in os.walk(argument) for name in names)
        for path in paths:
            if path.endswith((".json", ".txt", ".dump", ".icc", ".gz", ".py", ".pyc")):
                continue
            print(json.dumps(describe(path), sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
