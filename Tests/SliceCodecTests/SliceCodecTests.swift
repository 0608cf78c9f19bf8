import Testing
@testable import SliceCodec

@Suite struct SliceCodecPlaceholder {
    @Test func moduleLinks() {}
}
