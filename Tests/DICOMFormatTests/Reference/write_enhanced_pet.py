"""Writes an Enhanced PET Image Storage file (one multi-frame file) with pydicom, then reads it back with
pydicom and computes its SUV volume with numpy: the independent reference for radtriage's reading.

Usage: write_enhanced_pet.py OUTDIR VARIANT [ENCODING]
VARIANT: static, dynamic (two time positions of the same planes), gated (a Cardiac Synchronization
functional group), no-plane-position (one frame without Plane Position, none shared), no-rescale
(no Pixel Value Transformation anywhere), dose-in-bq (RadionuclideTotalDose written in Bq).
ENCODING: explicit (default) or implicit (VR little endian; sequences of undefined length).

Writes OUTDIR/PT/enhanced.dcm and, for the readable variants, OUTDIR/expected.json and OUTDIR/suv.f64:
the SUV of every voxel of the frames radtriage should score, head first along the slice normal, as
little-endian float64, computed from pydicom's pixel_array and the functional groups pydicom read:
SUVbw = (stored * slope + intercept) * weight / (dose * 2^(-(DecayCorrectionDateTime - injection) / T1/2)).
Frames are written with their planes in shuffled order and a rescale slope each. Generated fixtures,
not scanner data.
"""
import datetime
import json
import os
import sys

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

ENHANCED_PET = "1.2.840.10008.5.1.4.1.1.130"
STUDY = "1.2.826.0.1.3680043.8.498.14"
ROWS, COLUMNS, PLANES = 8, 6, 7
SPACING = 3.27
DOSE_MBQ = 370.0
HALF_LIFE = 6586.2
WEIGHT_KG = 70.0
INJECTION = "20260504100000"
DECAY_REFERENCE = "20260504110000"


def item(**values):
    ds = Dataset()
    for key, value in values.items():
        setattr(ds, key, value)
    return ds


def code(value, scheme, meaning):
    return item(CodeValue=value, CodingSchemeDesignator=scheme, CodeMeaning=meaning)


def dataset(variant):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    ds.SOPClassUID = ENHANCED_PET
    ds.SOPInstanceUID = f"{STUDY}.5.1"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260504"
    ds.StudyTime = "104500"
    # The series time is before the instant the values are decay-corrected to: SUV must refer to
    # DecayCorrectionDateTime, not to the QIBA scan reference time.
    ds.SeriesTime = "105500"
    ds.ContentTime = "111500"
    ds.AcquisitionDateTime = DECAY_REFERENCE
    ds.AccessionNumber = "ACC-14"
    ds.Modality = "PT"
    ds.Manufacturer = "radtriage tests"
    ds.InstitutionName = "Hôpital Nord"
    ds.PatientName = "Test^Enhanced"
    ds.PatientID = "P-14"
    ds.PatientWeight = f"{WEIGHT_KG:g}"
    ds.StudyInstanceUID = STUDY
    ds.SeriesInstanceUID = f"{STUDY}.5"
    ds.SeriesNumber = "5"
    ds.InstanceNumber = "1"
    ds.FrameOfReferenceUID = f"{STUDY}.9"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLUMNS
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.CountsSource = "EMISSION"
    ds.DecayCorrected = "YES"
    ds.AttenuationCorrected = "YES"
    ds.DecayCorrectionDateTime = DECAY_REFERENCE
    drug = item(
        RadiopharmaceuticalAgentNumber=1,
        RadiopharmaceuticalStartDateTime=INJECTION,
        RadionuclideTotalDose=f"{DOSE_MBQ * 1e6:.0f}" if variant == "dose-in-bq" else f"{DOSE_MBQ:g}",
        RadionuclideHalfLife=f"{HALF_LIFE}",
        RadionuclidePositronFraction="0.97")
    drug.RadionuclideCodeSequence = Sequence([code("C-111A1", "SRT", "^18^Fluorine")])
    drug.RadiopharmaceuticalCodeSequence = Sequence([code("C-B1031", "SRT", "Fluorodeoxyglucose F^18^")])
    ds.RadiopharmaceuticalInformationSequence = Sequence([drug])

    times = 2 if variant == "dynamic" else 1
    order = [3, 0, 6, 2, 5, 1, 4]  # planes in shuffled order along the file
    shared = Dataset()
    shared.PlaneOrientationSequence = Sequence([item(ImageOrientationPatient=["1", "0", "0", "0", "1", "0"])])
    shared.PixelMeasuresSequence = Sequence([item(PixelSpacing=["4.0", "4.0"], SliceThickness=f"{SPACING}")])
    units = item(LUTExplanation="Bq/ml", LUTLabel="BQML", RealWorldValueFirstValueMapped=0,
                 RealWorldValueLastValueMapped=65535, RealWorldValueIntercept=0.0, RealWorldValueSlope=1.0)
    units.MeasurementUnitsCodeSequence = Sequence([code("Bq/ml", "UCUM", "Becquerels/milliliter")])
    shared.RealWorldValueMappingSequence = Sequence([units])
    if variant == "gated":
        shared.CardiacSynchronizationSequence = Sequence([item(NominalCardiacTriggerDelayTime=0.0)])
    frames = []
    pixels = []
    for time in range(1, times + 1):
        for number, plane in enumerate(order):
            index = len(frames)
            group = Dataset()
            content = item(FrameAcquisitionDateTime=f"2026050411{index:02d}00", TemporalPositionIndex=time)
            group.FrameContentSequence = Sequence([content])
            if not (variant == "no-plane-position" and number == 3):
                group.PlanePositionSequence = Sequence([item(ImagePositionPatient=["-12.0", "-16.0", f"{-50 + SPACING * plane:.2f}"])])
            if variant != "no-rescale":
                slope = 0.5 + 0.125 * index
                intercept = 0.0 if index % 2 == 0 else -2.5
                group.PixelValueTransformationSequence = Sequence([item(
                    RescaleIntercept=f"{intercept:g}", RescaleSlope=f"{slope:g}", RescaleType="US")])
            frames.append(group)
            values = (np.arange(ROWS * COLUMNS, dtype=np.uint32).reshape(ROWS, COLUMNS) * 53 + 911 * plane + 4000 * time + 17) % 60000
            pixels.append(values.astype("<u2"))
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.NumberOfFrames = str(len(frames))
    ds.PixelData = np.stack(pixels).tobytes()
    return ds


def mark_undefined(ds):
    """Every sequence and item of undefined length, recursively."""
    for element in ds:
        if element.VR == "SQ":
            element.value.is_undefined_length = True
            for entry in element.value:
                entry.is_undefined_length_sequence_item = True
                mark_undefined(entry)


def seconds(dt):
    return datetime.datetime.strptime(dt, "%Y%m%d%H%M%S").timestamp()


def reference_suv(path):
    """The SUV volume from what pydicom reads back: pixel_array and the functional groups."""
    ds = dcmread(path)
    stored = ds.pixel_array.astype(np.float64)
    shared = ds.SharedFunctionalGroupsSequence[0]

    def group(frame, name):
        own = getattr(frame, name, None)
        return (own if own is not None else getattr(shared, name))[0]

    frames = list(ds.PerFrameFunctionalGroupsSequence)
    last = max(int(f.FrameContentSequence[0].TemporalPositionIndex) for f in frames)
    drug = ds.RadiopharmaceuticalInformationSequence[0]
    interval = seconds(ds.DecayCorrectionDateTime) - seconds(drug.RadiopharmaceuticalStartDateTime)
    dose = float(drug.RadionuclideTotalDose) * 1e6 * 2 ** (-interval / float(drug.RadionuclideHalfLife))
    grams = float(ds.PatientWeight) * 1000
    chosen = []
    for k, frame in enumerate(frames):
        if int(frame.FrameContentSequence[0].TemporalPositionIndex) != last:
            continue
        orientation = np.array([float(v) for v in group(frame, "PlaneOrientationSequence").ImageOrientationPatient])
        normal = np.cross(orientation[:3], orientation[3:])
        position = np.array([float(v) for v in group(frame, "PlanePositionSequence").ImagePositionPatient])
        rescale = group(frame, "PixelValueTransformationSequence")
        concentration = stored[k] * float(rescale.RescaleSlope) + float(rescale.RescaleIntercept)
        chosen.append((float(position @ normal), k, concentration * grams / dose))
    chosen.sort(key=lambda entry: -entry[0])  # head first: from the far end of the normal
    volume = np.stack([entry[2] for entry in chosen])
    return volume, {"frames": [entry[1] for entry in chosen], "rows": ROWS, "columns": COLUMNS,
                    "positionsMm": [entry[0] for entry in chosen], "decayIntervalSeconds": interval,
                    "injectedActivityMBq": float(drug.RadionuclideTotalDose), "numberOfFrames": int(ds.NumberOfFrames)}


def main(out, variant, encoding="explicit"):
    ds = dataset(variant)
    implicit = encoding == "implicit"
    if implicit:
        mark_undefined(ds)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ENHANCED_PET
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    folder = os.path.join(out, "PT")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "enhanced.dcm")
    ds.save_as(path, implicit_vr=implicit, little_endian=True, enforce_file_format=True)
    if variant in ("static", "dynamic"):
        volume, facts = reference_suv(path)
        volume.astype("<f8").tofile(os.path.join(out, "suv.f64"))
        with open(os.path.join(out, "expected.json"), "w") as handle:
            json.dump(facts, handle)


if __name__ == "__main__":
    main(*sys.argv[1:])
