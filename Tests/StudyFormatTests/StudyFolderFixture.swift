import Foundation

/// A throw-away study folder: a sidecar written from a JSON literal and empty stand-in slice files
/// (the reader lists files; it does not decode them).
struct StudyFolderFixture {
    let folder: URL

    init(sidecar: String?, seriesFiles: [String: [String]] = ["PT": ["1.png", "2.png", "10.png"]]) throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("radtriage-studyformat-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (series, files) in seriesFiles {
            let seriesFolder = folder.appendingPathComponent(series, isDirectory: true)
            try FileManager.default.createDirectory(at: seriesFolder, withIntermediateDirectories: true)
            for file in files {
                try Data().write(to: seriesFolder.appendingPathComponent(file))
            }
        }
        if let sidecar {
            try Data(sidecar.utf8).write(to: folder.appendingPathComponent("study.json"))
        }
    }

    var sidecarPath: String { folder.appendingPathComponent("study.json").path }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A complete, valid PET sidecar; tests replace parts of it.
let validPETSidecar = """
    {
      "schemaVersion": 1,
      "studyId": "S0001",
      "accessionNumber": "ACC-1",
      "patientId": "PSN-0001",
      "site": "North",
      "organCentre": "lung",
      "orderedPriority": "urgent",
      "timeZone": "Europe/Berlin",
      "acquisitionDateTime": "2026-03-29T01:30:00",
      "receivedDateTime": "2026-03-29T03:30:00",
      "patientWeightKg": 72.5,
      "series": [
        {
          "folder": "PT",
          "modality": "PT",
          "seriesDateTime": "2026-03-29T01:30:00",
          "units": "BQML",
          "rescaleSlope": 2.0,
          "rescaleIntercept": 0,
          "pixelSpacingMm": [4.0, 3.5],
          "sliceThicknessMm": 3.0,
          "decayCorrection": "START",
          "correctedImage": ["ATTN", "DECY"],
          "radiopharmaceutical": {
            "radionuclide": "F-18",
            "tracer": "FDG",
            "injectedActivityMBq": 350,
            "injectionDateTime": "2026-03-29T00:30:00",
            "halfLifeSeconds": 6586.2
          }
        }
      ]
    }
    """
