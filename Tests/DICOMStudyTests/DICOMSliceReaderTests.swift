import DICOMFormat
import Foundation
import Testing
@testable import DICOMStudy

/// The slice reader reads what the whole parse decodes, straight from the offset discovery found, and
/// hands a changed file back to the whole parse instead of reading the wrong bytes.
@Suite struct DICOMSliceReaderTests {
    static func discovered(_ folder: TemporaryFolder) throws -> DICOMInstance {
        try #require(DICOMDiscovery().scan(folder.url).studies.first?.instances.first)
    }

    static func wholeParse(_ url: URL) throws -> [UInt16] {
        var samples: [UInt16] = []
        try DICOMPixelDecoder().grayscaleFrame(0, of: DICOMParser().parse([UInt8](Data(contentsOf: url))), into: &samples)
        return samples
    }

    @Test(arguments: [UInt16(0), 1])
    func readsWhatTheWholeParseDecodes(pixelRepresentation: UInt16) throws {
        let folder = TemporaryFolder()
        var writer = PETSliceWriter()
        writer.rows = 5
        writer.columns = 3
        writer.pixelRepresentation = pixelRepresentation
        try folder.write(writer.slice(instance: 1, z: 0, stored: 1234, slope: 1), to: "a.dcm")
        let instance = try Self.discovered(folder)
        try #require(instance.pixelLocation != nil)
        var reader = DICOMSliceReader()
        var samples: [UInt16] = []
        let frame = try reader.readFrame(of: instance, into: &samples)
        #expect(frame?.width == 3 && frame?.height == 5)
        #expect(samples == (try Self.wholeParse(instance.url)))
        #expect(samples.count == 15)
    }

    @Test func aFileChangedSinceDiscoveryIsHandedBackAndATruncatedOneNamesTheElement() throws {
        let folder = TemporaryFolder()
        try folder.write(PETSliceWriter().slice(instance: 1, z: 0, stored: 7, slope: 1), to: "a.dcm")
        let instance = try Self.discovered(folder)
        var reader = DICOMSliceReader()
        var samples: [UInt16] = []
        let bytes = try [UInt8](Data(contentsOf: instance.url))
        // Longer now: not the file discovery read.
        try Data(bytes + [0, 0]).write(to: instance.url)
        #expect(try reader.readFrame(of: instance, into: &samples) == nil)
        // The same size, but something else at the offset.
        var moved = bytes
        moved[try #require(instance.pixelLocation).elementOffset] ^= 0xFF
        try Data(moved).write(to: instance.url)
        #expect(try reader.readFrame(of: instance, into: &samples) == nil)
        // Gone.
        try FileManager.default.removeItem(at: instance.url)
        #expect(throws: DICOMSliceReader.Failure.self) { try reader.readFrame(of: instance, into: &samples) }

        // Cut inside the pixel data before discovery: the element's length is past the end.
        try folder.write(Array(bytes.dropLast(6)), to: "a.dcm")
        let cut = try Self.discovered(folder)
        #expect {
            try reader.readFrame(of: cut, into: &samples)
        } throws: { error in
            guard case .dicom(let error) = error as? DICOMSliceReader.Failure else { return false }
            return error.kind == .truncated && error.reason.contains("PixelData (7FE0,0010) declares 32 bytes but only 26 remain")
        }
    }
}
