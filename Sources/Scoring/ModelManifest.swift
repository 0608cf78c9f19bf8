import Foundation

/// `manifest.json` of a model folder, format version 1 (Docs/ModelFormat.md).
public struct ModelManifest: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var name: String
    public var version: String
    public var description: String?
    public var input: Input
    public var layers: [Layer]
    /// How slice logits become one study probability.
    public var aggregation: Aggregation
    /// Maps the aggregated logit to a calibrated probability (none: the plain sigmoid).
    public var calibration: Calibration?
    /// The study probabilities the model gave its validation studies, for the out-of-distribution guard.
    public var validationScores: ValidationScores?
    public var weights: WeightsFile

    public struct Input: Codable, Sendable, Equatable {
        /// DICOM modality the model reads, e.g. `PT`.
        public var modality: String
        /// Units of the values the model reads: `SUV` for PET, `HU` for CT.
        public var units: String
        /// The model grid in pixels; each slice is resampled to it by area averaging.
        public var height: Int
        public var width: Int
        /// Values are clipped to [clipMin, clipMax], then mapped to value × scale + offset.
        public var clipMin: Float
        public var clipMax: Float
        public var scale: Float
        public var offset: Float
        /// 2.5-D input: one channel per offset along the body axis in millimetres (0 is the slice
        /// itself), interpolated between neighbouring slices. Absent: one channel, the slice alone.
        public var sliceOffsetsMm: [Double]?

        public var channelOffsetsMm: [Double] { sliceOffsetsMm ?? [0] }
    }

    /// Temperature scaling (Guo et al., ICML 2017), fitted on validation studies, optionally combined
    /// with the focal-uptake baseline: probability = sigmoid(logit / temperature + bias
    /// + focalWeight · ln(1 + focal contrast)), the contrast being the strongest focal candidate's
    /// SUVpeak over the patient's background (0 without one).
    public struct Calibration: Codable, Sendable, Equatable {
        public var temperature: Double
        public var bias: Double?
        public var focalWeight: Double?

        public init(temperature: Double, bias: Double? = nil, focalWeight: Double? = nil) {
            self.temperature = temperature
            self.bias = bias
            self.focalWeight = focalWeight
        }

        public func probability(logit: Double, focalContrast: Double? = nil) -> Double {
            let focal = (focalWeight ?? 0) * log1p(max(focalContrast ?? 0, 0))
            return 1 / (1 + exp(-(logit / temperature + (bias ?? 0) + focal)))
        }
    }

    /// Quantiles of the calibrated study probabilities on validation studies, apart for those without
    /// and with lesions, so that a run with another share of lesion studies is not mistaken for a shift.
    public struct ValidationScores: Codable, Sendable, Equatable {
        /// Probabilities at the quantiles 0, 1/(n−1), ..., 1 of the studies without lesions.
        public var negativeQuantiles: [Double]
        public var positiveQuantiles: [Double]
        /// How many validation studies each side had.
        public var negativeStudies: Int
        public var positiveStudies: Int

        public init(negativeQuantiles: [Double], positiveQuantiles: [Double], negativeStudies: Int, positiveStudies: Int) {
            self.negativeQuantiles = negativeQuantiles
            self.positiveQuantiles = positiveQuantiles
            self.negativeStudies = negativeStudies
            self.positiveStudies = positiveStudies
        }
    }

    /// One layer, in order. Shapes follow PyTorch: conv weight [out, in, kh, kw], dense weight [out, in].
    public struct Layer: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            case conv2d, relu, maxPool2d, avgPool2d, globalMaxPool, globalAvgPool, dense, sigmoid
        }

        public var type: String
        public var inChannels: Int?
        public var outChannels: Int?
        /// [height, width]
        public var kernel: [Int]?
        public var stride: [Int]?
        public var padding: [Int]?
        public var inFeatures: Int?
        public var outFeatures: Int?
        /// Tensor names in the weights file.
        public var weight: String?
        public var bias: String?

        public init(type: String, inChannels: Int? = nil, outChannels: Int? = nil, kernel: [Int]? = nil, stride: [Int]? = nil,
                    padding: [Int]? = nil, inFeatures: Int? = nil, outFeatures: Int? = nil, weight: String? = nil, bias: String? = nil) {
            self.type = type
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            self.weight = weight
            self.bias = bias
        }
    }

    public struct Aggregation: Codable, Sendable, Equatable {
        public enum Method: String, Codable, Sendable {
            /// Mean of the k largest slice logits, then the sigmoid.
            case topKMeanLogit
            case maxLogit
            case meanLogit
        }

        public var method: Method
        public var k: Int?
    }

    public struct WeightsFile: Codable, Sendable, Equatable {
        /// A safetensors file beside the manifest.
        public var file: String
        /// SHA-256 of the file, lowercase hexadecimal.
        public var sha256: String
    }
}
