import Testing
@testable import StudyFormat

@Suite struct StudyFormatPlaceholder {
    @Test func moduleLinks() {}
}
