import Scoring

/// A model's layers as plain values: kind, shapes, window and parameters. For the plain C pipeline that
/// `radtriage bench` measures radtriage against (Sources/CPipelineBaseline), which must run the same
/// network without going through the engine.
public struct LayerParameters: Sendable {
    public enum Kind: Sendable {
        case convolution, relu, maxPool, averagePool, globalMaxPool, globalAveragePool, dense, sigmoid
    }

    public var kind: Kind
    public var input: ActivationShape
    public var output: ActivationShape
    /// Convolutions and pooling; (1, 1) and (0, 0) elsewhere.
    public var kernel: (height: Int, width: Int) = (1, 1)
    public var stride: (height: Int, width: Int) = (1, 1)
    public var padding: (height: Int, width: Int) = (0, 0)
    /// Convolutions [out][in·kh·kw], dense layers [out][in]; empty elsewhere.
    public var weights: [Float] = []
    public var bias: [Float] = []
}

extension ScoringModel {
    public var layerParameters: [LayerParameters] {
        zip(layers, shapes).map { layer, shape in
            var parameters = LayerParameters(kind: .relu, input: shape.input, output: shape.output)
            switch layer {
            case .convolution(let conv):
                parameters.kind = .convolution
                (parameters.kernel, parameters.stride, parameters.padding) = (conv.kernel, conv.stride, conv.padding)
                (parameters.weights, parameters.bias) = (conv.weights, conv.bias)
            case .maxPool(let pooling), .averagePool(let pooling):
                if case .maxPool = layer { parameters.kind = .maxPool } else { parameters.kind = .averagePool }
                (parameters.kernel, parameters.stride) = (pooling.kernel, pooling.stride)
            case .dense(let dense):
                parameters.kind = .dense
                (parameters.weights, parameters.bias) = (dense.weights, dense.bias)
            case .relu: parameters.kind = .relu
            case .globalMaxPool: parameters.kind = .globalMaxPool
            case .globalAveragePool: parameters.kind = .globalAveragePool
            case .sigmoid: parameters.kind = .sigmoid
            }
            return parameters
        }
    }
}
