import Foundation
import Testing
import TriageCore

@Suite struct DomainTypeTests {
    @Test func unitsAndDecayCorrectionReadCaseInsensitivelyAndKeepUnknownText() {
        #expect(PixelUnits(text: "bqml") == .becquerelsPerMillilitre && PixelUnits(text: "GML") == .gramsPerMillilitre)
        #expect(PixelUnits(text: "Hu") == .hounsfield && PixelUnits(text: "CNTS") == .other("CNTS"))
        #expect(PixelUnits(text: "cnts").text == "cnts" && PixelUnits.becquerelsPerMillilitre.text == "BQML")
        #expect(DecayCorrection(text: "start") == .start && DecayCorrection(text: "ADMIN") == .admin)
        #expect(DecayCorrection(text: "None") == .uncorrected && DecayCorrection(text: "LATER") == .other("LATER"))
        #expect(DecayCorrection.uncorrected.text == "NONE")
    }

    /// The run state and the worklists store these as their DICOM text.
    @Test func unitsAndDecayCorrectionEncodeAsTheirText() throws {
        let data = try JSONEncoder().encode([PixelUnits.gramsPerMillilitre, .other("CNTS")])
        #expect(String(decoding: data, as: UTF8.self) == #"["GML","CNTS"]"#)
        #expect(try JSONDecoder().decode([DecayCorrection].self, from: Data(#"["START","admin","x"]"#.utf8)) == [.start, .admin, .other("x")])
    }

    /// x, y, z order for both: column before row before slice.
    @Test func positionsEncodeAsArraysInXYZOrder() throws {
        let voxel = VoxelIndex(column: 3, row: 4, slice: 5)
        #expect(String(decoding: try JSONEncoder().encode(voxel), as: UTF8.self) == "[3,4,5]")
        #expect(try JSONDecoder().decode(VoxelIndex.self, from: Data("[3,4,5]".utf8)) == voxel)
        let position = PositionMm(centreOf: voxel, columnMm: 2, rowMm: 3, sliceMm: 4)
        #expect(position == PositionMm(x: 6, y: 12, z: 20) && position.components == [6, 12, 20])
        #expect(try JSONDecoder().decode(PositionMm.self, from: JSONEncoder().encode(position)) == position)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(VoxelIndex.self, from: Data("[3,4]".utf8)) }
    }

    @Test func priorityOrdersStatFirst() {
        #expect(OrderedPriority.allCases.sorted() == [.stat, .urgent, .routine])
        #expect(OrderedPriority.urgent < .routine && !(OrderedPriority.routine < .stat))
    }

    @Test func waitingCountsFromArrivalElseAcquisition() {
        let acquired = Date(timeIntervalSince1970: 1000), received = Date(timeIntervalSince1970: 2000)
        #expect(ClinicalContext(acquired: acquired, received: received).waitingSince == received)
        #expect(ClinicalContext(acquired: acquired).waitingSince == acquired)
        #expect(ClinicalContext().waitingSince == nil)
    }
}
