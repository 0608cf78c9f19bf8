import DICOMFormat
import Testing

/// Malformed and hostile files fail with a precise reason; nothing crashes, hangs or allocates what a
/// length field claims.
@Suite struct HostileFileTests {
    static let petClass = "1.2.840.10008.5.1.4.1.1.128"

    /// A valid 4 × 3 slice, 16-bit, explicit VR little endian.
    static func validFile(rows: Int = 4, columns: Int = 3, pixels: [UInt16]? = nil) -> [UInt8] {
        var writer = DICOMWriter()
        writer.set(.sopClassUID, .UI, petClass)
        writer.set(.sopInstanceUID, .UI, "1.2.3.4")
        writer.set(.modality, .CS, "PT")
        writer.set(.rows, unsignedShorts: [UInt16(rows)])
        writer.set(.columns, unsignedShorts: [UInt16(columns)])
        writer.set(.bitsAllocated, unsignedShorts: [16])
        writer.set(.bitsStored, unsignedShorts: [16])
        writer.set(.pixelRepresentation, unsignedShorts: [0])
        writer.setPixels(pixels ?? (0..<rows * columns).map { UInt16($0 * 1000) })
        return writer.fileBytes(sopClassUID: petClass, sopInstanceUID: "1.2.3.4", implementationClassUID: "1.2.3")
    }

    static func parseError(_ bytes: [UInt8]) -> DICOMError? {
        do {
            _ = try DICOMParser().parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// Explicit VR LE element bytes with a 4-byte length field (for SQ, OB, UN, …).
    static func longElement(_ group: UInt16, _ element: UInt16, _ vr: String, length: UInt32) -> [UInt8] {
        le16(group) + le16(element) + Array(vr.utf8) + [0, 0] + le32(length)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)] }

    /// The meta group of a file written by `validFile`, ending before the data set.
    static func metaOnly() -> [UInt8] {
        let file = validFile()
        // (0002,0000) UL at byte 132: its value, at 140, is the length of the rest of the group.
        let groupLength = Int(file[140]) | Int(file[141]) << 8 | Int(file[142]) << 16 | Int(file[143]) << 24
        return Array(file[..<(144 + groupLength)])
    }

    @Test func aValidFileReadsBack() throws {
        let file = try DICOMParser().parse(Self.validFile())
        #expect(file.dataset.string(.modality) == "PT")
        var samples: [UInt16] = []
        let frame = try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)
        #expect(frame.width == 3 && frame.height == 4)
        #expect(samples == (0..<12).map { UInt16($0 * 1000) })
    }

    @Test func truncatedAtEveryByteFailsWithAReason() {
        let bytes = Self.validFile()
        // Every cut inside the data set is either a truncation error or (a cut between elements) a file
        // that parses but has no complete pixel data; none crashes.
        var truncations = 0
        for cut in stride(from: 0, to: bytes.count, by: 1) {
            let prefix = Array(bytes[..<cut])
            if let error = Self.parseError(prefix) {
                #expect(!error.reason.isEmpty)
                if error.kind == .truncated { truncations += 1 }
            } else if let file = try? DICOMParser().parse(prefix) {
                var samples: [UInt16] = []
                #expect(throws: DICOMError.self) { try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples) }
            }
        }
        #expect(truncations > bytes.count / 2)
    }

    @Test func aLengthPastTheEndNamesTheElement() {
        var bytes = Self.validFile()
        // Modality (0008,0060) CS: its 2-byte length follows the VR; claim 0xFFF0 bytes.
        let at = (132..<bytes.count - 4).first { bytes[$0] == 0x08 && bytes[$0 + 1] == 0 && bytes[$0 + 2] == 0x60 && bytes[$0 + 3] == 0 }!
        bytes[at + 6] = 0xF0
        bytes[at + 7] = 0xFF
        let error = Self.parseError(bytes)
        #expect(error?.kind == .truncated)
        #expect(error?.reason.contains("Modality (0008,0060) declares 65520 bytes") == true, "\(String(describing: error))")
    }

    @Test func aLengthOfTwoToThe32MinusTwoIsRefusedBeforeAllocating() {
        let bytes = Self.metaOnly() + Self.longElement(0x0009, 0x0010, "OB", length: 0xFFFF_FFFE) + [1, 2, 3, 4]
        let error = Self.parseError(bytes)
        #expect(error?.kind == .truncated)
        #expect(error?.reason.contains("(0009,0010) declares 4294967294 bytes but only 4 remain") == true, "\(String(describing: error))")
    }

    @Test func aSequenceNestedTenToTheFiveDeepIsRefused() {
        // 10^5 undefined-length sequences, each in an undefined-length item.
        var body: [UInt8] = []
        let open = Self.longElement(0x0008, 0x1140, "SQ", length: 0xFFFF_FFFF) + Self.le16(0xFFFE) + Self.le16(0xE000) + Self.le32(0xFFFF_FFFF)
        body.reserveCapacity(open.count * 100_000)
        for _ in 0..<100_000 { body += open }
        let error = Self.parseError(Self.metaOnly() + body)
        #expect(error?.kind == .limitExceeded)
        #expect(error?.reason.contains("nested more than 32 levels") == true, "\(String(describing: error))")
    }

    @Test func aTagOutOfOrderIsRefused() {
        var writer = DICOMWriter()
        writer.set(.modality, .CS, "PT")
        let late = writer.encodedElements()
        var earlier = DICOMWriter()
        earlier.set(.sopClassUID, .UI, Self.petClass)
        let bytes = Self.metaOnly() + late + earlier.encodedElements()
        let error = Self.parseError(bytes)
        #expect(error?.kind == .malformed)
        #expect(error?.reason.contains("SOPClassUID (0008,0016) follows Modality (0008,0060)") == true, "\(String(describing: error))")
    }

    @Test func pixelDataShorterThanRowsTimesColumnsIsRefused() throws {
        let file = try DICOMParser().parse(Self.validFile(rows: 4, columns: 3, pixels: [UInt16](repeating: 7, count: 10)))
        var samples: [UInt16] = []
        #expect {
            try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)
        } throws: { error in
            (error as? DICOMError)?.reason.contains("PixelData (7FE0,0010) holds 20 bytes") == true
                && (error as? DICOMError)?.reason.contains("needs 24") == true
        }
    }

    @Test func anUndefinedLengthItemWithoutDelimiterIsTruncated() {
        let bytes = Self.metaOnly() + Self.longElement(0x0008, 0x1140, "SQ", length: 0xFFFF_FFFF)
            + Self.le16(0xFFFE) + Self.le16(0xE000) + Self.le32(0xFFFF_FFFF)
        let error = Self.parseError(bytes)
        #expect(error?.kind == .truncated, "\(String(describing: error))")
    }

    @Test func notDICOMIsSaidSo() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 200)
        #expect(Self.parseError(png)?.reason.contains("not a DICOM file") == true)
        #expect(Self.parseError([])?.reason.contains("not a DICOM file") == true)
    }

    @Test func hugeDimensionsAreRefusedBeforeAllocating() throws {
        var writer = DICOMWriter()
        writer.set(.rows, unsignedShorts: [65535])
        writer.set(.columns, unsignedShorts: [65535])
        writer.set(.bitsAllocated, unsignedShorts: [16])
        writer.set(.numberOfFrames, .IS, "99999")
        writer.setPixels([1, 2])
        let file = try DICOMParser().parse(writer.fileBytes(sopClassUID: Self.petClass, sopInstanceUID: "1.2", implementationClassUID: "1.2"))
        var samples: [UInt16] = []
        #expect(throws: DICOMError.self) { try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples) }
        #expect(samples.isEmpty)
    }

    @Test func signedSamplesNarrowerThanTheirContainerAreSignExtended() throws {
        var writer = DICOMWriter()
        writer.set(.rows, unsignedShorts: [1])
        writer.set(.columns, unsignedShorts: [4])
        writer.set(.bitsAllocated, unsignedShorts: [16])
        writer.set(.bitsStored, unsignedShorts: [12])
        writer.set(.pixelRepresentation, unsignedShorts: [1])
        // 12-bit two's complement: 0xFFF = −1, 0x800 = −2048, 0x7FF = 2047; high bits hold junk.
        writer.setPixels([0xFFFF, 0xA800, 0x07FF, 0xF001])
        let file = try DICOMParser().parse(writer.fileBytes(sopClassUID: Self.petClass, sopInstanceUID: "1.2", implementationClassUID: "1.2"))
        var samples: [UInt16] = []
        let frame = try DICOMPixelDecoder().grayscaleFrame(0, of: file, into: &samples)
        #expect(samples.map { Int($0) + frame.storedValueOffset } == [-1, -2048, 2047, 1])
    }

    // MARK: - The pixels at the header's offset, and what a broken header still gives

    @Test func thePixelsAtTheHeadersOffsetAreTheWholeParsesAndAChangedFileIsParsedAgain() throws {
        let bytes = Self.validFile()
        guard case .success(let header) = DICOMParser().parseHeaderSalvaging(bytes) else { Issue.record("the header parses"); return }
        let location = try #require(NativePixelLocation(header, fileSize: bytes.count))
        var samples: [UInt16] = []
        let frame = try DICOMPixelDecoder().grayscaleFrame(0, at: location, in: bytes, into: &samples)
        #expect(frame?.width == 3 && frame?.height == 4)
        #expect(samples == (0..<12).map { UInt16($0 * 1000) })
        // A file of another size, or one whose bytes at the offset are no longer PixelData: nil, parse it whole.
        #expect(try DICOMPixelDecoder().grayscaleFrame(0, at: location, in: bytes + [0, 0], into: &samples) == nil)
        var moved = bytes
        moved[location.elementOffset] ^= 0xFF
        #expect(try DICOMPixelDecoder().grayscaleFrame(0, at: location, in: moved, into: &samples) == nil)
    }

    @Test func truncatedPixelDataAtTheHeadersOffsetNamesTheElement() throws {
        let bytes = Self.validFile()
        let cut = Array(bytes.dropLast(5))
        guard case .success(let header) = DICOMParser().parseHeaderSalvaging(cut) else { Issue.record("the header parses"); return }
        let location = try #require(NativePixelLocation(header, fileSize: cut.count))
        var samples: [UInt16] = []
        #expect {
            try DICOMPixelDecoder().grayscaleFrame(0, at: location, in: cut, into: &samples)
        } throws: { error in
            (error as? DICOMError)?.description.contains("PixelData (7FE0,0010) declares 24 bytes but only 19 remain") == true
        }
    }

    @Test func aBrokenHeaderKeepsTheAttributesBeforeTheBreak() {
        var bytes = Self.validFile()
        // Rows (0028,0010) US: claim 0xFFF0 bytes; SOPInstanceUID and Modality come before it.
        let at = (132..<bytes.count - 4).first { bytes[$0] == 0x28 && bytes[$0 + 1] == 0 && bytes[$0 + 2] == 0x10 && bytes[$0 + 3] == 0 }!
        (bytes[at + 6], bytes[at + 7]) = (0xF0, 0xFF)
        guard case .failure(let broken) = DICOMParser().parseHeaderSalvaging(bytes) else { Issue.record("the header must not parse"); return }
        #expect(broken.error.reason.contains("Rows (0028,0010) declares 65520 bytes"), "\(broken.error)")
        #expect(broken.dataset?.string(.modality) == "PT")
        #expect(broken.dataset?.string(.sopInstanceUID) == "1.2.3.4")
        #expect(broken.dataset?.contains(.rows) == false)
    }

    @Test func aHeaderBrokenAtItsFirstElementKeepsNothing() {
        let bytes = Self.metaOnly() + Self.le16(0x0008) + Self.le16(0x0016) + Array("UI".utf8) + Self.le16(0xFFF0) + [0x31, 0x32]
        guard case .failure(let broken) = DICOMParser().parseHeaderSalvaging(bytes) else { Issue.record("the header must not parse"); return }
        #expect(broken.dataset == nil)
    }
}
