// The alert parser port, the registry of parsers by source name, and the body → [AlertDraft] entry point.
package import RiposteCore

/// Turns the body of one ingest request from a source into drafts. Pure: no I/O, no clock.
///
/// All or nothing: one bad record fails the whole body with an error naming it (record number,
/// line and, where known, byte offset), and the caller stores nothing.
package protocol AlertParser: Sendable {
    /// The source name drafts carry and `?source=` selects (`suricata`).
    var source: String { get }
    /// Bumped whenever the mapping changes, so stored alerts from an older parser can be re-parsed.
    var version: Int { get }
    /// Splits `body` into records and maps each; each draft's `raw` is its record's exact bytes.
    /// - Throws: `.invalid` naming the bad record, `.tooLarge` when `limits` are exceeded.
    func parse(body: [UInt8], limits: IngestLimits) throws -> [AlertDraft]
}

/// A parser for a JSON source: bodies are one object, an array or NDJSON (see ``AlertPayloadSplitter``),
/// and the parser only maps each decoded record.
package protocol JSONAlertParser: AlertParser {
    /// Maps one record: `record` is its exact bytes (kept as the draft's `raw`), `value` the decoded JSON.
    /// - Throws: `.invalid` with a message that does not name the record; ``AlertIngest`` adds that.
    func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft
}

extension JSONAlertParser {
    package func parse(body: [UInt8], limits: IngestLimits = .default) throws -> [AlertDraft] {
        try AlertIngest.parse(body: body, parser: self, limits: limits)
    }
}

/// The built-in parsers by source name; ``AlertParserRegistry`` adds named mappings.
package enum AlertParsers {
    /// Every registered parser.
    package static var all: [any AlertParser] { AlertParserRegistry.builtInParsers }

    /// The registered source names, sorted.
    package static var names: [String] { AlertParserRegistry.builtIn.names }

    /// The parser for `?source=name`. - Throws: `.invalid` listing the known names.
    package static func parser(named name: String) throws -> any AlertParser {
        try AlertParserRegistry.builtIn.parser(named: name)
    }
}

/// The ingest entry point: request body in, drafts out.
///
/// All or nothing: one bad record fails the whole body with an error naming it
/// (`record 4 (line 4): event_type 'flow' is not an alert`), and the caller stores nothing, so a
/// sender can fix and resend the batch without creating duplicates of the good records.
package enum AlertIngest {
    /// Splits `body` (see ``AlertPayloadSplitter``), decodes each record and maps it with the parser for `source`.
    /// - Throws: `.invalid` for an unknown source, malformed JSON or a record the parser rejects;
    ///   `.tooLarge` when `limits` are exceeded.
    package static func parse(body: [UInt8], source: String, limits: IngestLimits = .default) throws -> [AlertDraft] {
        try AlertParsers.parser(named: source).parse(body: body, limits: limits)
    }

    /// Splits, decodes and maps a JSON body with `parser`, prefixing its errors with the record they concern.
    package static func parse(
        body: [UInt8], parser: some JSONAlertParser, limits: IngestLimits = .default
    ) throws -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        try forEachRecord(in: body, limits: limits, expecting: { drafts.reserveCapacity($0) }) { record, bytes, value in
            do {
                drafts.append(try parser.parse(record: bytes, value: value))
            } catch let error as RiposteError {
                throw RiposteError(error.code, "\(record.label): \(error.message)", underlying: error)
            }
        }
        return drafts
    }

    /// Splits and decodes `body`, calling `expecting` with the number of records once split, then `handle` with
    /// each record, its bytes and its JSON value, in order.
    /// - Throws: `.invalid`/`.tooLarge` from splitting or decoding (naming the record), or what `handle` throws.
    package static func forEachRecord(
        in body: [UInt8], limits: IngestLimits = .default, expecting: (Int) -> Void = { _ in },
        _ handle: (AlertPayloadRecord, [UInt8], JSONValue) throws -> Void
    ) throws {
        let records = try AlertPayloadSplitter(limits: limits).split(body)
        expecting(records.count)
        var workspace = JSONParser.Workspace()
        try body.withUnsafeBufferPointer { buffer in
            for record in records {
                let bytes = UnsafeBufferPointer(rebasing: buffer[record.range])
                let value: JSONValue
                do throws(JSONSyntaxError) {
                    value = try JSONParser.parse(bytes, maxDepth: limits.maxDepth, workspace: &workspace)
                } catch {
                    let offset = record.range.lowerBound + error.offset
                    var line = record.line
                    for byte in buffer[record.range.lowerBound..<min(offset, buffer.count)] where byte == 0x0A { line += 1 }
                    throw RiposteError(
                        .invalid, "\(record.label): \(error.reason) at byte \(offset) (line \(line))", underlying: error)
                }
                try handle(record, Array(bytes), value)
            }
        }
    }
}
