import Foundation
import TriageCore

/// An activation's shape for one slice: channels × height × width (1 × 1 after global pooling).
public struct ActivationShape: Sendable, Equatable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public var count: Int { channels * height * width }
    /// `count`, or nil when it does not fit an `Int` (a hostile manifest's shapes).
    var checkedCount: Int? {
        let (area, first) = height.multipliedReportingOverflow(by: width)
        let (values, second) = area.multipliedReportingOverflow(by: channels)
        return first || second ? nil : values
    }
    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// One layer ready to run: its weights laid out for the GEMM, and its input and output shapes.
package enum PlannedLayer: Sendable {
    package struct Convolution: Sendable {
        /// [out][in·kh·kw], PyTorch's layout flattened: the GEMM's A matrix.
        package var weights: [Float]
        package var bias: [Float]
        package var kernel: (height: Int, width: Int)
        package var stride: (height: Int, width: Int)
        package var padding: (height: Int, width: Int)
    }

    package struct Pooling: Sendable {
        package var kernel: (height: Int, width: Int)
        package var stride: (height: Int, width: Int)
    }

    package struct Dense: Sendable {
        /// [out][in]
        package var weights: [Float]
        package var bias: [Float]
    }

    case convolution(Convolution)
    case relu
    case maxPool(Pooling)
    case averagePool(Pooling)
    case globalMaxPool
    case globalAveragePool
    case dense(Dense)
    case sigmoid
}

/// A validated model: manifest, weights checked against their digest, every layer's shape known.
public struct ScoringModel: Sendable {
    public let manifest: ModelManifest
    public let folder: String
    /// SHA-256 of the weights file: stored with every score, so a worklist traces back to its weights.
    public let weightsSHA256: String
    package let layers: [PlannedLayer]
    /// Input and output shape of each layer, in order.
    package let shapes: [(input: ActivationShape, output: ActivationShape)]

    /// `name@version`, as worklists and the state database record it.
    public var id: String { "\(manifest.name)@\(manifest.version)" }
    public var inputShape: ActivationShape {
        ActivationShape(channels: manifest.input.channelOffsetsMm.count, height: manifest.input.height, width: manifest.input.width)
    }

    /// Multiply-adds × 2 per slice for the convolutions and dense layers.
    public var flopsPerSlice: Int {
        zip(layers, shapes).reduce(0) { total, item in
            switch item.0 {
            case .convolution(let conv):
                return total + 2 * item.1.output.count * item.1.input.channels * conv.kernel.height * conv.kernel.width
            case .dense:
                return total + 2 * item.1.output.count * item.1.input.count
            default:
                return total
            }
        }
    }

    public static func load(from folder: URL) throws(ModelLoadingError) -> ScoringModel {
        let model = folder.path
        let manifestURL = folder.appendingPathComponent("manifest.json")
        // Regular files only (a FIFO would block the open), of bounded size.
        guard let manifestBytes = try? RegularFile.bytes(path: manifestURL.path, maxBytes: 16 << 20) else { throw .missingManifest(model: model) }
        let manifest = try decodeManifest(Data(manifestBytes), model: model)
        let file = manifest.weights.file
        guard !file.contains("/"), let bytes = try? RegularFile.bytes(path: folder.appendingPathComponent(file).path, maxBytes: 2 << 30) else {
            throw .missingWeightsFile(model: model, file: file)
        }
        let digest = SHA256.hex(bytes)
        guard digest == manifest.weights.sha256.lowercased() else {
            throw .checksumMismatch(model: model, file: file, expected: manifest.weights.sha256, found: digest)
        }
        return try plan(manifest, weights: bytes, digest: digest, model: model)
    }

    /// A manifest and weights held in memory, checked as `load(from:)` checks them except for the
    /// digest (which a fuzzer cannot forge): for the fuzz harness.
    @_spi(Fuzzing)
    public static func load(manifest: Data, weights: [UInt8]) throws(ModelLoadingError) -> ScoringModel {
        try plan(decodeManifest(manifest, model: "fuzz"), weights: weights, digest: "", model: "fuzz")
    }

    private static func decodeManifest(_ data: Data, model: String) throws(ModelLoadingError) -> ModelManifest {
        let manifest: ModelManifest
        do {
            manifest = try JSONDecoder().decode(ModelManifest.self, from: data)
        } catch {
            throw .invalidManifest(model: model, reason: Self.describe(error))
        }
        guard manifest.formatVersion == ModelManifest.currentFormatVersion else {
            throw .unsupportedFormatVersion(model: model, found: manifest.formatVersion)
        }
        return manifest
    }

    private static func plan(_ manifest: ModelManifest, weights bytes: [UInt8], digest: String, model: String) throws(ModelLoadingError) -> ScoringModel {
        let file = manifest.weights.file
        let weights = try SafeTensors(
            bytes: bytes,
            truncated: { .truncatedWeights(model: model, file: file, reason: $0) },
            invalid: { .invalidWeightsHeader(model: model, file: file, reason: $0) },
            dtype: { .unsupportedDType(model: model, tensor: $0, dtype: $1) })
        var planner = LayerPlanner(model: model, tensors: weights.tensors)
        let (layers, shapes) = try planner.plan(manifest)
        let unused = Set(weights.tensors.keys).subtracting(planner.usedTensors).sorted()
        guard unused.isEmpty else { throw .unusedTensors(model: model, tensors: unused) }
        return ScoringModel(manifest: manifest, folder: model, weightsSHA256: digest, layers: layers, shapes: shapes)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing field \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "field \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            "not valid JSON: \(context.debugDescription)"
        default:
            "\(error)"
        }
    }
}

/// Walks the manifest's layers, checking each against the shape the previous one produces and
/// against the tensors' shapes.
private struct LayerPlanner {
    let model: String
    let tensors: [String: SafeTensors.Tensor]
    var usedTensors = Set<String>()

    init(model: String, tensors: [String: SafeTensors.Tensor]) {
        self.model = model
        self.tensors = tensors
    }

    mutating func plan(_ manifest: ModelManifest) throws(ModelLoadingError) -> ([PlannedLayer], [(input: ActivationShape, output: ActivationShape)]) {
        let input = manifest.input
        guard input.height > 0, input.width > 0, input.height <= 4096, input.width <= 4096 else {
            throw .invalidManifest(model: model, reason: "input grid \(input.height)×\(input.width) must be 1...4096 on each side")
        }
        guard ["SUV", "HU"].contains(input.units.uppercased()) else {
            throw .invalidManifest(model: model, reason: "input units \(input.units) are not supported (SUV for PET, HU for CT)")
        }
        guard input.clipMin < input.clipMax, input.scale.isFinite, input.offset.isFinite else {
            throw .invalidManifest(model: model, reason: "input normalisation needs clipMin < clipMax and finite scale and offset")
        }
        guard !manifest.layers.isEmpty else { throw .invalidManifest(model: model, reason: "the layer list is empty") }
        if manifest.aggregation.method == .topKMeanLogit, (manifest.aggregation.k ?? 0) < 1 {
            throw .invalidManifest(model: model, reason: "aggregation topKMeanLogit needs k ≥ 1")
        }
        let offsets = input.channelOffsetsMm
        guard !offsets.isEmpty, offsets.count <= 16, offsets.allSatisfy({ $0.isFinite && abs($0) <= 100 }) else {
            throw .invalidManifest(model: model, reason: "input sliceOffsetsMm must list 1...16 finite offsets within ±100 mm")
        }
        if let calibration = manifest.calibration {
            guard calibration.temperature.isFinite, calibration.temperature > 0, (calibration.bias ?? 0).isFinite else {
                throw .invalidManifest(model: model, reason: "calibration needs a finite temperature > 0 and a finite bias")
            }
        }
        if let scores = manifest.validationScores {
            func increasingProbabilities(_ values: [Double]) -> Bool {
                values.count >= 2 && values.allSatisfy { (0...1).contains($0) } && zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }
            }
            guard increasingProbabilities(scores.negativeQuantiles), increasingProbabilities(scores.positiveQuantiles),
                  scores.negativeStudies > 0, scores.positiveStudies > 0 else {
                throw .invalidManifest(model: model, reason: "validationScores needs two increasing lists of probabilities (at least 2 each) and their study counts")
            }
        }
        var shape = ActivationShape(channels: offsets.count, height: input.height, width: input.width)
        var layers: [PlannedLayer] = []
        var shapes: [(input: ActivationShape, output: ActivationShape)] = []
        for (index, layer) in manifest.layers.enumerated() {
            guard let kind = ModelManifest.Layer.Kind(rawValue: layer.type) else {
                throw .unsupportedLayer(model: model, layer: index, type: layer.type)
            }
            let (planned, output) = try plan(layer, kind: kind, index: index, input: shape)
            guard let values = output.checkedCount, values <= Self.maxActivationValues else {
                throw .inconsistentLayer(model: model, layer: index,
                                         reason: "its output \(output) is above the limit of \(Self.maxActivationValues) values per slice")
            }
            layers.append(planned)
            shapes.append((shape, output))
            shape = output
        }
        try checkEngineMemory(layers, shapes, index: manifest.layers.count - 1)
        guard shape.count == 1 else {
            throw .inconsistentLayer(model: model, layer: manifest.layers.count - 1, reason: "the network must end in one logit per slice, it ends in \(shape)")
        }
        if case .sigmoid = layers.last {
            throw .inconsistentLayer(model: model, layer: manifest.layers.count - 1,
                                     reason: "the last layer must output a logit: remove the final sigmoid (the aggregation applies it)")
        }
        return (layers, shapes)
    }

    private mutating func plan(
        _ layer: ModelManifest.Layer, kind: ModelManifest.Layer.Kind, index: Int, input: ActivationShape
    ) throws(ModelLoadingError) -> (PlannedLayer, ActivationShape) {
        switch kind {
        case .relu: return (.relu, input)
        case .sigmoid: return (.sigmoid, input)
        case .globalMaxPool: return (.globalMaxPool, ActivationShape(channels: input.channels, height: 1, width: 1))
        case .globalAvgPool: return (.globalAveragePool, ActivationShape(channels: input.channels, height: 1, width: 1))
        case .maxPool2d, .avgPool2d:
            let kernel = try pair(layer.kernel, "kernel", index: index, minimum: 1)
            let stride = try pair(layer.stride ?? layer.kernel, "stride", index: index, minimum: 1)
            guard kernel.0 <= input.height, kernel.1 <= input.width else {
                throw .inconsistentLayer(model: model, layer: index, reason: "pooling kernel \(kernel) is larger than its input \(input)")
            }
            let output = ActivationShape(
                channels: input.channels, height: (input.height - kernel.0) / stride.0 + 1, width: (input.width - kernel.1) / stride.1 + 1)
            let pooling = PlannedLayer.Pooling(kernel: (kernel.0, kernel.1), stride: (stride.0, stride.1))
            return (kind == .maxPool2d ? .maxPool(pooling) : .averagePool(pooling), output)
        case .conv2d:
            let kernel = try pair(layer.kernel, "kernel", index: index, minimum: 1)
            let stride = try pair(layer.stride ?? [1, 1], "stride", index: index, minimum: 1)
            let padding = try pair(layer.padding ?? [0, 0], "padding", index: index, minimum: 0)
            guard let inChannels = layer.inChannels, let outChannels = layer.outChannels, outChannels > 0 else {
                throw .inconsistentLayer(model: model, layer: index, reason: "conv2d needs inChannels and outChannels")
            }
            guard inChannels == input.channels else {
                throw .inconsistentLayer(model: model, layer: index, reason: "inChannels is \(inChannels) but the previous layer outputs \(input.channels) channels")
            }
            guard padding.0 < kernel.0, padding.1 < kernel.1 else {
                throw .inconsistentLayer(model: model, layer: index,
                                         reason: "padding \(padding) must be smaller than the kernel \(kernel): more adds borders that see only zeros")
            }
            let height = (input.height + 2 * padding.0 - kernel.0) / stride.0 + 1
            let width = (input.width + 2 * padding.1 - kernel.1) / stride.1 + 1
            guard input.height + 2 * padding.0 >= kernel.0, input.width + 2 * padding.1 >= kernel.1, height > 0, width > 0 else {
                throw .inconsistentLayer(model: model, layer: index, reason: "kernel \(kernel) does not fit its padded input \(input)")
            }
            let weights = try tensor(layer.weight, "weight", index: index, shape: [outChannels, inChannels, kernel.0, kernel.1])
            let bias = try tensor(layer.bias, "bias", index: index, shape: [outChannels])
            let conv = PlannedLayer.Convolution(
                weights: weights, bias: bias, kernel: (kernel.0, kernel.1), stride: (stride.0, stride.1), padding: (padding.0, padding.1))
            return (.convolution(conv), ActivationShape(channels: outChannels, height: height, width: width))
        case .dense:
            guard let inFeatures = layer.inFeatures, let outFeatures = layer.outFeatures, outFeatures > 0 else {
                throw .inconsistentLayer(model: model, layer: index, reason: "dense needs inFeatures and outFeatures")
            }
            guard inFeatures == input.count else {
                throw .inconsistentLayer(model: model, layer: index, reason: "inFeatures is \(inFeatures) but the previous layer outputs \(input) = \(input.count) values")
            }
            let weights = try tensor(layer.weight, "weight", index: index, shape: [outFeatures, inFeatures])
            let bias = try tensor(layer.bias, "bias", index: index, shape: [outFeatures])
            return (.dense(PlannedLayer.Dense(weights: weights, bias: bias)), ActivationShape(channels: outFeatures, height: 1, width: 1))
        }
    }

    private func pair(_ values: [Int]?, _ name: String, index: Int, minimum: Int) throws(ModelLoadingError) -> (Int, Int) {
        guard let values, values.count == 2, values.allSatisfy({ $0 >= minimum && $0 <= Self.maxWindow }) else {
            throw .inconsistentLayer(model: model, layer: index,
                                     reason: "\(name) must be two integers from \(minimum) to \(Self.maxWindow), found \(values.map { "\($0)" } ?? "none")")
        }
        return (values[0], values[1])
    }

    /// Kernels, strides and paddings above this are not a model's (the input grid is at most 4096 a side).
    static let maxWindow = 4096
    /// One slice's activation after any layer, in values; well above real scoring models, it keeps a
    /// hostile manifest from making the engine allocate its buffers from unbounded shapes.
    static let maxActivationValues = 1 << 26
    /// All of the engine's buffers for a batch of one (input, two activations, im2col columns), in values.
    static let maxEngineValues = 1 << 28

    /// The engine's buffers for a batch of one, computed as `InferenceEngine` sizes them, against
    /// `maxEngineValues`. Every layer's output is already within `maxActivationValues` and every window
    /// within `maxWindow`, so these products cannot overflow.
    private func checkEngineMemory(
        _ layers: [PlannedLayer], _ shapes: [(input: ActivationShape, output: ActivationShape)], index: Int
    ) throws(ModelLoadingError) {
        var largest = 0, maxK = 0
        for (layer, shape) in zip(layers, shapes) {
            largest = max(largest, shape.input.count, shape.output.count)
            switch layer {
            case .convolution(let conv): maxK = max(maxK, shape.input.channels * conv.kernel.height * conv.kernel.width)
            case .dense: maxK = max(maxK, shape.input.count)
            default: break
            }
        }
        let needed = (shapes.first?.input.count ?? 0) + 2 * largest + maxK * 4096
        guard needed <= Self.maxEngineValues else {
            throw .inconsistentLayer(model: model, layer: index,
                                     reason: "the network needs \(needed) values of working memory per slice, above the limit of \(Self.maxEngineValues)")
        }
    }

    private mutating func tensor(_ name: String?, _ role: String, index: Int, shape: [Int]) throws(ModelLoadingError) -> [Float] {
        guard let name else { throw .inconsistentLayer(model: model, layer: index, reason: "no \(role) tensor named") }
        guard let tensor = tensors[name] else { throw .missingTensor(model: model, tensor: name) }
        guard tensor.shape == shape else { throw .shapeMismatch(model: model, tensor: name, expected: shape, found: tensor.shape) }
        if let bad = tensor.values.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteWeight(model: model, tensor: name, index: bad) }
        usedTensors.insert(name)
        return tensor.values
    }
}

extension ScoringModel {
    /// A GEMM the engine runs for one slice: C[m × n] = A[m × k] · B[k × n].
    public struct GEMMShape: Sendable, Equatable {
        public var layer: Int
        public var m: Int
        public var n: Int
        public var k: Int
        public var flops: Int { 2 * m * n * k }
    }

    /// The convolution GEMMs of one slice, split into the engine's chunks of at most 4096 positions (a
    /// single-channel 3 × 3 first layer is computed directly and has none).
    public var gemmShapes: [GEMMShape] {
        layers.enumerated().flatMap { index, layer -> [GEMMShape] in
            guard case .convolution(let conv) = layer else { return [] }
            let (input, output) = shapes[index]
            if SingleChannel3x3.applies(inputChannels: input.channels, kernel: conv.kernel, stride: conv.stride,
                                        padding: conv.padding, width: input.width) {
                return []  // computed directly, without a GEMM
            }
            let positions = output.height * output.width
            let k = input.channels * conv.kernel.height * conv.kernel.width
            let chunk = InferenceEngine.positionsPerChunk(k: k)
            return stride(from: 0, to: positions, by: chunk).map {
                GEMMShape(layer: index, m: output.channels, n: min(chunk, positions - $0), k: k)
            }
        }
    }
}
