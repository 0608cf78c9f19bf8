import Foundation
import Testing
@testable import Scoring
import TriageCore

/// Every way a model folder can be wrong, each with its message.
@Suite struct ModelLoadingTests {
    /// A copy of a reference model in a temporary folder, with helpers to break it.
    struct ModelCopy {
        let folder: URL

        init() throws {
            let source = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("odd-stride2")
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("radtriage-model-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in ["manifest.json", "weights.safetensors"] {
                try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
            }
        }

        var manifestURL: URL { folder.appendingPathComponent("manifest.json") }
        var weightsURL: URL { folder.appendingPathComponent("weights.safetensors") }

        func editManifest(_ change: (inout [String: Any]) -> Void) throws {
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
            change(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: manifestURL)
        }

        func editLayer(_ index: Int, _ change: @escaping (inout [String: Any]) -> Void) throws {
            try editManifest { json in
                var layers = json["layers"] as! [[String: Any]]
                change(&layers[index])
                json["layers"] = layers
            }
        }

        /// Replaces the weights and updates the manifest's digest, so the checksum passes and the
        /// deeper check is what fails.
        func replaceWeights(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: weightsURL)
            try editManifest { json in
                var weights = json["weights"] as! [String: Any]
                weights["sha256"] = SHA256.hex(bytes)
                json["weights"] = weights
            }
        }

        /// The current tensors as (name, shape, values), to rebuild a safetensors file with changes.
        func tensors() throws -> [(String, [Int], [Float])] {
            let file = try SafeTensors(bytes: Array(Data(contentsOf: weightsURL)), truncated: { _ in .missingManifest(model: "") },
                                       invalid: { _ in .missingManifest(model: "") }, dtype: { _, _ in .missingManifest(model: "") })
            return file.tensors.keys.sorted().map { ($0, file.tensors[$0]!.shape, file.tensors[$0]!.values) }
        }

        func load() -> ModelLoadingError? {
            do {
                _ = try ScoringModel.load(from: folder)
                return nil
            } catch {
                return error
            }
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// A safetensors file written by hand: header entries may lie, on purpose.
    static func safetensors(_ entries: [(name: String, dtype: String, shape: [Int], offsets: [Int])], data: [Float]) -> [UInt8] {
        let header = "{" + entries.map { "\"\($0.name)\":{\"dtype\":\"\($0.dtype)\",\"shape\":\($0.shape),\"data_offsets\":\($0.offsets)}" }
            .joined(separator: ",") + "}"
        let headerBytes = Array(header.utf8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: headerBytes.count >> ($0 * 8)) } + headerBytes
        for value in data { bytes += (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> ($0 * 8)) } }
        return bytes
    }

    static func rebuilt(_ tensors: [(String, [Int], [Float])], change: (inout [(name: String, dtype: String, shape: [Int], offsets: [Int])], inout [Float]) -> Void) -> [UInt8] {
        var entries: [(name: String, dtype: String, shape: [Int], offsets: [Int])] = []
        var data: [Float] = []
        for (name, shape, values) in tensors {
            entries.append((name, "F32", shape, [data.count * 4, (data.count + values.count) * 4]))
            data += values
        }
        change(&entries, &data)
        return safetensors(entries, data: data)
    }

    @Test func theUnbrokenCopyLoads() throws {
        let copy = try ModelCopy()
        defer { copy.remove() }
        #expect(copy.load() == nil)
        let model = try ScoringModel.load(from: copy.folder)
        #expect(model.id == "reference-odd-stride2@1" && model.weightsSHA256.count == 64)
    }

    @Test func manifestProblems() throws {
        let copy = try ModelCopy()
        defer { copy.remove() }
        let model = copy.folder.path
        try Data("{".utf8).write(to: copy.manifestURL)
        #expect(copy.load()?.description.hasPrefix("\(model)/manifest.json: not valid JSON") == true)
        try FileManager.default.removeItem(at: copy.manifestURL)
        #expect(copy.load() == .missingManifest(model: model))
        #expect(ModelLoadingError.missingManifest(model: "M").description == "M: manifest.json not found")
    }

    @Test func versionLayerAndShapeProblems() throws {
        let cases: [(String, (ModelCopy) throws -> Void, (String) -> ModelLoadingError)] = [
            ("format version", { try $0.editManifest { $0["formatVersion"] = 2 } }, { .unsupportedFormatVersion(model: $0, found: 2) }),
            ("unknown layer", { try $0.editLayer(1) { $0["type"] = "dropout" } }, { .unsupportedLayer(model: $0, layer: 1, type: "dropout") }),
            ("channels", { try $0.editLayer(3) { $0["inChannels"] = 5 } },
             { .inconsistentLayer(model: $0, layer: 3, reason: "inChannels is 5 but the previous layer outputs 4 channels") }),
            ("dense features", { try $0.editLayer(6) { $0["inFeatures"] = 7 } },
             { .inconsistentLayer(model: $0, layer: 6, reason: "inFeatures is 7 but the previous layer outputs 6×1×1 = 6 values") }),
            ("missing weights file", { try $0.editManifest { $0["weights"] = ["file": "other.safetensors", "sha256": "00"] } },
             { .missingWeightsFile(model: $0, file: "other.safetensors") }),
            ("trailing sigmoid", { try $0.editManifest { json in
                var layers = json["layers"] as! [[String: Any]]
                layers.append(["type": "sigmoid"])
                json["layers"] = layers
            } }, { .inconsistentLayer(model: $0, layer: 7, reason: "the last layer must output a logit: remove the final sigmoid (the aggregation applies it)") }),
        ]
        for (name, breakIt, expected) in cases {
            let copy = try ModelCopy()
            defer { copy.remove() }
            try breakIt(copy)
            #expect(copy.load() == expected(copy.folder.path), "\(name)")
        }
    }

    @Test func checksumMismatchNamesBothDigests() throws {
        let copy = try ModelCopy()
        defer { copy.remove() }
        var bytes = Array(try Data(contentsOf: copy.weightsURL))
        bytes[bytes.count - 1] ^= 1
        try Data(bytes).write(to: copy.weightsURL)
        guard case .checksumMismatch(_, "weights.safetensors", let expected, let found)? = copy.load() else {
            Issue.record("expected a checksum mismatch")
            return
        }
        #expect(found == SHA256.hex(bytes) && expected != found)
    }

    @Test func weightsFileProblems() throws {
        let copy = try ModelCopy()
        defer { copy.remove() }
        let tensors = try copy.tensors()
        let model = copy.folder.path
        let file = "weights.safetensors"
        typealias Change = (inout [(name: String, dtype: String, shape: [Int], offsets: [Int])], inout [Float]) -> Void
        let cases: [(String, Change, (ModelLoadingError) -> Bool)] = [
            ("truncated data", { _, data in data.removeLast(3) }, { if case .truncatedWeights(model, file, _) = $0 { true } else { false } }),
            ("offsets past the end", { entries, _ in entries[0].offsets[1] += 4000 }, { if case .truncatedWeights = $0 { true } else { false } }),
            ("overlapping tensors", { entries, _ in
                entries[1].offsets = [entries[0].offsets[0], entries[0].offsets[0] + (entries[1].offsets[1] - entries[1].offsets[0])]
            }, { $0.description.contains("overlap") }),
            ("size does not match shape", { entries, _ in entries[0].shape = [1] }, { $0.description.contains("needs 4") }),
            ("half precision", { entries, _ in entries[0].dtype = "F16" }, { $0 == .unsupportedDType(model: model, tensor: tensors[0].0, dtype: "F16") }),
            ("missing tensor", { entries, _ in entries.removeAll { $0.name == "fc.bias" } }, { $0 == .missingTensor(model: model, tensor: "fc.bias") }),
            ("extra tensor", { entries, data in entries.append(("spare", "F32", [1], [data.count * 4, data.count * 4 + 4])); data.append(1) },
             { $0 == .unusedTensors(model: model, tensors: ["spare"]) }),
            ("shape mismatch", { entries, _ in
                if let index = entries.firstIndex(where: { $0.name == "fc.weight" }) { entries[index].shape = [6, 1] }
            }, { $0 == .shapeMismatch(model: model, tensor: "fc.weight", expected: [1, 6], found: [6, 1]) }),
            ("NaN weight", { entries, data in
                if let index = entries.firstIndex(where: { $0.name == "c2.bias" }) { data[entries[index].offsets[0] / 4 + 2] = .nan }
            }, { $0 == .nonFiniteWeight(model: model, tensor: "c2.bias", index: 2) }),
        ]
        for (name, change, matches) in cases {
            try copy.replaceWeights(Self.rebuilt(tensors, change: change))
            let error = copy.load()
            #expect(error.map(matches) == true, "\(name): \(error.map { "\($0)" } ?? "loaded")")
        }
        try copy.replaceWeights([1, 0, 0])
        #expect(copy.load()?.description == "\(model)/\(file): truncated: 3 bytes, shorter than the 8-byte header length")
        try copy.replaceWeights([200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8))
        #expect(copy.load()?.description == "\(model)/\(file): truncated: header length 200 runs past the end of the 10-byte file")
        try copy.replaceWeights([2, 0, 0, 0, 0, 0, 0, 0] + Array("{]".utf8))
        #expect(copy.load()?.description.hasPrefix("\(model)/\(file): invalid safetensors header: not JSON") == true)
    }
}
