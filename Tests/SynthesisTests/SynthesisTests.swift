import Testing
@testable import Synthesis

@Suite struct SynthesisPlaceholder {
    @Test func moduleLinks() {}
}
