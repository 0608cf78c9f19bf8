import Testing
@testable import Inspection

@Suite struct InspectionPlaceholder {
    @Test func moduleLinks() {}
}
