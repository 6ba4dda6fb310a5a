// Locates the shared corpus of real third-party samples (`../shared/data`, or RIPOSTE_CORPUS).
public import Foundation

/// The corpus of real samples tests run against. Missing corpus is an error, never a skip.
public enum Corpus {
    /// The corpus root: `RIPOSTE_CORPUS` (absolute, or relative to the repository root), else `../shared/data`.
    public static func root() throws -> URL {
        let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let configured = ProcessInfo.processInfo.environment["RIPOSTE_CORPUS"] ?? "../shared/data"
        let url =
            configured.hasPrefix("/")
            ? URL(fileURLWithPath: configured) : repositoryRoot.appendingPathComponent(configured).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CorpusError(message: "corpus not found at \(url.path); set RIPOSTE_CORPUS")
        }
        return url
    }

    /// The file at `relativePath` under the corpus root.
    public static func url(_ relativePath: String) throws -> URL {
        let url = try root().appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CorpusError(message: "corpus file missing: \(relativePath)")
        }
        return url
    }

    /// The bytes of the file at `relativePath`.
    public static func contents(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// Files directly under `directory` whose names end in `suffix`, sorted by name, as corpus-relative paths.
    public static func files(in directory: String, suffix: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: url(directory).path)
        let matching = names.filter { $0.hasSuffix(suffix) }.sorted()
        guard !matching.isEmpty else { throw CorpusError(message: "no \(suffix) files in \(directory)") }
        return matching.map { directory + "/" + $0 }
    }

    /// Extensions of the corpus's text files: alerts, mail, intel lists, playbooks, logs, rules.
    public static let textExtensions: Set<String> = [
        "json", "jsonl", "eml", "yml", "yaml", "log", "csv", "tsv", "txt", "md", "rules", "xml", "stix",
    ]

    /// Every text file of the corpus (by ``textExtensions``, all folders, `PROVENANCE.md` and licence
    /// files left out), as corpus-relative paths sorted bytewise, so every reader concatenates the same
    /// text in the same order.
    public static func textFiles() throws -> [String] {
        let root = try root()
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else {
            throw CorpusError(message: "cannot list the corpus at \(root.path)")
        }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            let fileExtension = (name as NSString).pathExtension.lowercased()
            guard textExtensions.contains(fileExtension), name != "PROVENANCE.md", !name.hasPrefix("LICENSE") else {
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            files.append(path)
        }
        guard !files.isEmpty else { throw CorpusError(message: "no text files in the corpus at \(root.path)") }
        return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// The corpus or one of its files is missing.
public struct CorpusError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
