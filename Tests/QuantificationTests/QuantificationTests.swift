import Testing
@testable import Quantification

@Suite struct QuantificationPlaceholder {
    @Test func moduleLinks() {}
}
