"""Writes a small PET series with pydicom in four encodings, as fixtures written by an independent writer.

Usage: write_pet_series.py OUTDIR
Writes OUTDIR/{implicit,explicit}-{defined,undefined}/slice{1..3}.dcm: PET Image Storage, Units BQML,
DecayCorrection START, a Radiopharmaceutical Information Sequence (undefined lengths in the *-undefined
sets, for the sequence and its items), one rescale slope per slice, slices written in shuffled order.
These are generated fixtures, not scanner data.
"""
import os
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

PET_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
STUDY = "1.2.826.0.1.3680043.8.498.1"
ROWS, COLUMNS, SLICES = 16, 12, 3


def slice_dataset(index, series_uid, undefined):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = PET_STORAGE
    ds.SOPInstanceUID = f"{series_uid}.{index + 1}"
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = "20260504"
    ds.StudyTime = "104500"
    ds.SeriesTime = "110000"
    ds.AcquisitionTime = "110000"
    ds.AccessionNumber = "ACC-7"
    ds.Modality = "PT"
    ds.InstitutionName = "Hôpital Nord"
    ds.PatientName = "Müller^Jürgen"
    ds.PatientID = "P-42"
    ds.PatientWeight = "70"
    ds.SliceThickness = "3.27"
    ds.StudyInstanceUID = STUDY
    ds.SeriesInstanceUID = series_uid
    ds.InstanceNumber = str(index + 1)
    ds.ImagePositionPatient = ["-100.0", "-100.0", f"{-50 + 3.27 * index:.2f}"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLUMNS
    ds.PixelSpacing = ["4.0", "4.0"]
    ds.CorrectedImage = ["ATTN", "DECY"]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = f"{0.5 + 0.25 * index}"
    drug = Dataset()
    drug.Radiopharmaceutical = "FDG"
    drug.RadiopharmaceuticalStartDateTime = "20260504100000"
    drug.RadionuclideTotalDose = "370000000"
    drug.RadionuclideHalfLife = "6586.2"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "C-111A1", "SRT", "^18^Fluorine"
    drug.RadionuclideCodeSequence = Sequence([code])
    ds.RadiopharmaceuticalInformationSequence = Sequence([drug])
    if undefined:
        ds["RadiopharmaceuticalInformationSequence"].is_undefined_length = True
        drug["RadionuclideCodeSequence"].is_undefined_length = True
        for item in (drug, code):
            item.is_undefined_length_sequence_item = True
    ds.Units = "BQML"
    ds.DecayCorrection = "START"
    values = (np.arange(ROWS * COLUMNS, dtype=np.uint16).reshape(ROWS, COLUMNS) * 37 + 1000 * index) % 60000
    ds.PixelData = values.astype("<u2").tobytes()
    return ds


def main(out):
    for implicit in (True, False):
        for undefined in (False, True):
            name = f"{'implicit' if implicit else 'explicit'}-{'undefined' if undefined else 'defined'}"
            folder = os.path.join(out, name)
            os.makedirs(folder, exist_ok=True)
            series = f"{STUDY}.{2 if implicit else 3}{1 if undefined else 0}"
            for index in (2, 0, 1):
                ds = slice_dataset(index, series, undefined)
                ds.file_meta = FileMetaDataset()
                ds.file_meta.MediaStorageSOPClassUID = PET_STORAGE
                ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
                ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
                ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
                ds.save_as(os.path.join(folder, f"slice{index + 1}.dcm"), implicit_vr=implicit, little_endian=True,
                           enforce_file_format=True)


if __name__ == "__main__":
    main(sys.argv[1])
