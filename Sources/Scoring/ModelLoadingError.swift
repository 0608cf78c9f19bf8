import TriageCore

/// Why a model folder could not be loaded. Every message names the model folder and, where there is
/// one, the tensor or layer, what was expected and what was found.
public enum ModelLoadingError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingManifest(model: String)
    case invalidManifest(model: String, reason: String)
    case unsupportedFormatVersion(model: String, found: Int)
    case unsupportedLayer(model: String, layer: Int, type: String)
    /// A layer's declared shape does not follow from the previous layer's output.
    case inconsistentLayer(model: String, layer: Int, reason: String)
    case missingWeightsFile(model: String, file: String)
    case checksumMismatch(model: String, file: String, expected: String, found: String)
    /// The file ends before its header or its data does.
    case truncatedWeights(model: String, file: String, reason: String)
    /// The safetensors header is not valid JSON, or its offsets are out of range, overlapping or inconsistent with the shape.
    case invalidWeightsHeader(model: String, file: String, reason: String)
    case unsupportedDType(model: String, tensor: String, dtype: String)
    case missingTensor(model: String, tensor: String)
    case unusedTensors(model: String, tensors: [String])
    case shapeMismatch(model: String, tensor: String, expected: [Int], found: [Int])
    case nonFiniteWeight(model: String, tensor: String, index: Int)

    public var description: String {
        switch self {
        case .missingManifest(let model): "\(model): manifest.json not found"
        case .invalidManifest(let model, let reason): "\(model)/manifest.json: \(reason)"
        case .unsupportedFormatVersion(let model, let found):
            "\(model)/manifest.json: formatVersion \(found) is not supported (this radtriage reads \(ModelManifest.currentFormatVersion))"
        case .unsupportedLayer(let model, let layer, let type):
            "\(model)/manifest.json: layer \(layer) has unsupported type \"\(type)\" (supported: conv2d, relu, maxPool2d, avgPool2d, globalMaxPool, globalAvgPool, dense, sigmoid)"
        case .inconsistentLayer(let model, let layer, let reason): "\(model)/manifest.json: layer \(layer): \(reason)"
        case .missingWeightsFile(let model, let file): "\(model): weights file \(file) not found"
        case .checksumMismatch(let model, let file, let expected, let found):
            "\(model)/\(file): SHA-256 is \(found), the manifest expects \(expected)"
        case .truncatedWeights(let model, let file, let reason): "\(model)/\(file): truncated: \(reason)"
        case .invalidWeightsHeader(let model, let file, let reason): "\(model)/\(file): invalid safetensors header: \(reason)"
        case .unsupportedDType(let model, let tensor, let dtype): "\(model): tensor \(tensor) has dtype \(dtype); only F32 is supported"
        case .missingTensor(let model, let tensor): "\(model): tensor \(tensor) named in the manifest is not in the weights file"
        case .unusedTensors(let model, let tensors): "\(model): the weights file has tensors no layer uses: \(tensors.joined(separator: ", "))"
        case .shapeMismatch(let model, let tensor, let expected, let found):
            "\(model): tensor \(tensor) has shape \(found), the manifest's layers need \(expected)"
        case .nonFiniteWeight(let model, let tensor, let index): "\(model): tensor \(tensor) holds a NaN or infinite value at index \(index)"
        }
    }
}

extension ModelLoadingError: UserFacingError {
    /// The model folder, or the file in it that is wrong.
    public var file: String? {
        switch self {
        case .invalidManifest(let model, _), .unsupportedFormatVersion(let model, _), .unsupportedLayer(let model, _, _),
             .inconsistentLayer(let model, _, _):
            "\(model)/manifest.json"
        case .checksumMismatch(let model, let file, _, _), .truncatedWeights(let model, let file, _), .invalidWeightsHeader(let model, let file, _):
            "\(model)/\(file)"
        case .missingManifest(let model), .missingWeightsFile(let model, _), .unsupportedDType(let model, _, _), .missingTensor(let model, _),
             .unusedTensors(let model, _), .shapeMismatch(let model, _, _, _), .nonFiniteWeight(let model, _, _):
            model
        }
    }

    public var what: String {
        guard let file, description.hasPrefix(file + ": ") else { return description }
        return String(description.dropFirst(file.count + 2))
    }
}
