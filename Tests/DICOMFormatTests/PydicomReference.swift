import Foundation
import Testing

/// Runs the test-only pydicom from the virtual environment that `make test` creates (.build/venv).
enum PydicomReference {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent(".build/venv/bin/python")
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference")

    struct Missing: Error, CustomStringConvertible {
        var description: String { "no pydicom environment at \(PydicomReference.python.path): run `make test` (or `make test-venv`) once" }
    }

    /// Runs a script from Reference/ with the venv's Python; its standard output.
    static func run(_ script: String, _ arguments: [String]) throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: python.path) else { throw Missing() }
        let process = Process()
        process.executableURL = python
        process.arguments = [scripts.appendingPathComponent(script).path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONWARNINGS"] = "ignore"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(script) exited \(process.terminationStatus)")
        return data
    }

    /// pydicom's own folder (its test files are under data/test_files and data/charset_files).
    static func pydicomFolder() throws -> URL {
        let data = try run("pydicom_location.py", [])
        return URL(fileURLWithPath: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    struct Record: Decodable {
        struct Value: Decodable, Equatable {
            var numbers: [Double]?
            var text: String?
            var unparsable: String?
        }
        struct Pixels: Decodable {
            var sha256: String
            var count: Int
            var dtype: String
        }
        var file: String
        var error: String?
        var transferSyntax: String?
        var tags: [String: Value]?
        var pixels: Pixels?
        var pixelError: String?
    }

    static func records(for paths: [String]) throws -> [Record] {
        let data = try run("pydicom_reference.py", paths)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(Record.self, from: Data($0.utf8))
        }
    }
}
