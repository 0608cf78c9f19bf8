"""Rewrites a PET Image Storage series (one file per slice) as one Enhanced PET Image Storage file with
pydicom: the same pixels, geometry, rescale and dose, the planes in shuffled frame order.

Usage: classic_to_enhanced.py SERIES_FOLDER OUTFILE
Per frame: Plane Position, Pixel Value Transformation (each slice's own RescaleSlope and Intercept, as
written) and Frame Content (the slice's acquisition date-time); shared: Plane Orientation, Pixel
Measures, Real World Value Mapping (Units BQML as UCUM Bq/ml). DecayCorrection START becomes
DecayCorrected YES with DecayCorrectionDateTime the series date-time; RadionuclideTotalDose is written
in MBq, as the Enhanced PET Isotope module has it. The slice files are not changed.
"""
import copy
import glob
import os
import sys

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

ENHANCED_PET = "1.2.840.10008.5.1.4.1.1.130"
PER_SLICE = ["ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness", "RescaleSlope",
             "RescaleIntercept", "InstanceNumber", "SliceLocation", "ImageIndex", "AcquisitionDate", "AcquisitionTime",
             "DecayCorrection", "Units", "FrameReferenceTime", "DecayFactor", "ActualFrameDuration", "PixelData"]


def item(**values):
    ds = Dataset()
    for key, value in values.items():
        setattr(ds, key, value)
    return ds


def ds_number(value):
    """A decimal string of at most 16 characters."""
    for digits in range(15, 5, -1):
        text = f"{value:.{digits}g}"
        if len(text) <= 16:
            return text
    raise ValueError(value)


def main(folder, out):
    slices = [dcmread(path) for path in sorted(glob.glob(os.path.join(folder, "*.dcm")))]
    # A fixed shuffle: odd slices backwards, then even ones forwards.
    order = list(range(1, len(slices), 2))[::-1] + list(range(0, len(slices), 2))
    head = slices[0]
    ds = copy.deepcopy(head)
    for keyword in PER_SLICE:
        if keyword in ds:
            delattr(ds, keyword)
    ds.SOPClassUID = ENHANCED_PET
    ds.file_meta.MediaStorageSOPClassUID = ENHANCED_PET
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    assert head.DecayCorrection == "START", head.DecayCorrection
    ds.DecayCorrected = "YES"
    ds.DecayCorrectionDateTime = head.SeriesDate + head.SeriesTime
    ds.AttenuationCorrected = "YES"
    drug = ds.RadiopharmaceuticalInformationSequence[0]
    drug.RadionuclideTotalDose = ds_number(float(drug.RadionuclideTotalDose) / 1e6)
    assert head.Units == "BQML", head.Units
    units = item(LUTExplanation="Bq/ml", LUTLabel="BQML", RealWorldValueFirstValueMapped=0, RealWorldValueLastValueMapped=65535,
                 RealWorldValueIntercept=0.0, RealWorldValueSlope=1.0)
    units.MeasurementUnitsCodeSequence = Sequence([item(CodeValue="Bq/ml", CodingSchemeDesignator="UCUM", CodeMeaning="Becquerels/milliliter")])
    shared = Dataset()
    shared.PlaneOrientationSequence = Sequence([item(ImageOrientationPatient=head.ImageOrientationPatient)])
    shared.PixelMeasuresSequence = Sequence([item(PixelSpacing=head.PixelSpacing, SliceThickness=head.SliceThickness)])
    shared.RealWorldValueMappingSequence = Sequence([units])
    frames = []
    for index in order:
        s = slices[index]
        group = Dataset()
        group.FrameContentSequence = Sequence([item(FrameAcquisitionDateTime=s.AcquisitionDate + s.AcquisitionTime, TemporalPositionIndex=1)])
        group.PlanePositionSequence = Sequence([item(ImagePositionPatient=s.ImagePositionPatient)])
        group.PixelValueTransformationSequence = Sequence([item(
            RescaleIntercept=str(s.get("RescaleIntercept", "0")), RescaleSlope=str(s.RescaleSlope), RescaleType="US")])
        frames.append(group)
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.NumberOfFrames = str(len(frames))
    ds.PixelData = np.stack([slices[index].pixel_array for index in order]).astype(slices[0].pixel_array.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OW"
    ds.save_as(out, enforce_file_format=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
