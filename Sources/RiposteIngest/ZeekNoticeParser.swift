// Maps Zeek notice.log (TSV with #-headers, or JSON lines) to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses Zeek `notice.log` in either of Zeek's log formats:
/// - **TSV** (the ASCII writer's default): `#separator`, `#set_separator`, `#empty_field`,
///   `#unset_field`, `#path`, `#open`, `#fields`, `#types` header lines, then one notice per line;
///   `#close` ends a block and a body may hold several blocks (concatenated or rotated logs). Values
///   are unescaped (`\xHH`, `\\`); the unset field (`-`) is absent, the empty field (`(empty)`) empty.
///   Other `#` lines are comments. Each draft's raw payload is its block's header lines plus its line,
///   so it can be parsed again on its own.
/// - **JSON lines** (`LogAscii::use_json`): flat objects with dotted keys (`"id.orig_h"`), `ts` as
///   Unix seconds or ISO 8601; detected by a body starting with `{` or `[`.
///
/// Mapping:
/// - **title**: `msg`, else `note`; **rule** uid and name `note` (`SSH::Password_Guessing`),
///   category its module (`SSH`).
/// - **severity**: notices carry none; every notice is medium.
/// - **time**: `ts`. Zeek's test baselines replace it with `XXXXXXXXXX.XXXXXX`; such a masked time
///   is taken as absent, any other non-time is an error.
/// - **endpoints**: `id.orig_h`/`id.orig_p` (else `src`) and `id.resp_h`/`id.resp_p` (else `dst`/`p`).
/// - **host name**: `peer_descr` (the Zeek node that raised it).
/// - **observables**, in order: source and destination IPs, then what ``ObservableExtractor`` finds
///   in `sub` and `msg` (notices name the subject there: `Intel hit on 10.0.0.1`).
/// - **source ref**: Zeek notices have no id, so `sha256:` over `ts`, `uid`, `note`, `msg`, `sub`,
///   the four `id.*` fields, `src`, `dst` and `p` joined by U+001F: the same notice from the TSV and
///   the JSON log gets the same ref.
package struct ZeekNoticeParser: AlertParser {
    package var source: String { "zeek" }
    package var version: Int { 1 }

    package init() {}

    package func parse(body: [UInt8], limits: IngestLimits = .default) throws -> [AlertDraft] {
        var start = 0
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < body.count, [0x20, 0x09, 0x0A, 0x0D].contains(body[start]) { start += 1 }
        if start < body.count, body[start] == UInt8(ascii: "{") || body[start] == UInt8(ascii: "[") {
            var drafts: [AlertDraft] = []
            try AlertIngest.forEachRecord(in: body, limits: limits) { record, bytes, value in
                do {
                    guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
                    drafts.append(try notice(field: { value.field($0.name)?.text }, raw: bytes))
                } catch let error as RiposteError {
                    throw RiposteError(error.code, "\(record.label): \(error.message)", underlying: error)
                }
            }
            return drafts
        }
        var reader = TSVReader(body: body, limits: limits)
        var drafts: [AlertDraft] = []
        while let line = try reader.nextNotice() {
            do {
                drafts.append(
                    try notice(
                        field: { column in reader.columns[column.rawValue].flatMap { line.values[$0] } },
                        raw: reader.header + line.bytes))
            } catch let error as RiposteError {
                throw RiposteError(
                    error.code, "line \(line.number) (notice \(reader.notices)): \(error.message)", underlying: error)
            }
        }
        return drafts
    }

    /// The fields the mapping reads; a TSV block resolves them to positions once, at its `#fields`.
    enum Column: Int, CaseIterable {
        case ts, uid, note, msg, sub, src, dst, p, origHost, origPort, respHost, respPort, peerDescription

        /// The field's name in Zeek's log.
        var name: String {
            switch self {
            case .ts: "ts"
            case .uid: "uid"
            case .note: "note"
            case .msg: "msg"
            case .sub: "sub"
            case .src: "src"
            case .dst: "dst"
            case .p: "p"
            case .origHost: "id.orig_h"
            case .origPort: "id.orig_p"
            case .respHost: "id.resp_h"
            case .respPort: "id.resp_p"
            case .peerDescription: "peer_descr"
            }
        }
    }

    /// Maps one notice, reading fields through `field`.
    func notice(field: (Column) -> String?, raw: [UInt8]) throws -> AlertDraft {
        let note = field(.note)
        let message = field(.msg)
        guard let title = message ?? note else { throw RiposteError.invalid("notice without 'msg' or 'note'") }
        let timestamp = field(.ts)
        var time: Date?
        if let timestamp, !timestamp.utf8.allSatisfy({ $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: ".") }) {
            guard let date = EventTime.parse(timestamp) ?? Double(timestamp).flatMap(EventTime.date(unixSeconds:)) else {
                throw RiposteError.invalid("ts '\(timestamp)' is not a time")
            }
            time = date
        }
        func address(_ column: Column) throws -> ParsedIP? {
            guard let text = field(column) else { return nil }
            return try ipAddress(.string(text), field: column.name)
        }
        func portNumber(_ column: Column) throws -> Int? {
            guard let text = field(column) else { return nil }
            return try port(.string(text), field: column.name)
        }
        let sourceIP = try address(.origHost) ?? address(.src)
        let destinationIP = try address(.respHost) ?? address(.dst)
        let sourcePort = try portNumber(.origPort)
        let destinationPort = try portNumber(.respPort) ?? portNumber(.p)
        let subject = field(.sub)

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        if let subject { observables.add(contentsOf: ObservableExtractor.observables(in: subject)) }
        if let message { observables.add(contentsOf: ObservableExtractor.observables(in: message)) }

        let refFields: [Column] = [.ts, .uid, .note, .msg, .sub, .origHost, .origPort, .respHost, .respPort, .src, .dst, .p]
        return AlertDraft(
            source: source,
            sourceRef: derivedSourceRef(
                refFields.map { column in
                    switch column {
                    case .ts: time.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? timestamp ?? ""
                    case .note: note ?? ""
                    case .msg: message ?? ""
                    case .sub: subject ?? ""
                    default: field(column) ?? ""
                    }
                }),
            title: title,
            severity: .medium,
            time: time,
            rule: DetectionRule(
                uid: note, name: note, category: note?.split(separator: ":", maxSplits: 1).first.map(String.init)),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: sourcePort),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: destinationPort),
            hostName: field(.peerDescription),
            userName: nil,
            observables: observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }
}

/// Reads Zeek TSV logs line by line: tracks the current header block and yields data lines split
/// into unescaped values. Linear: each byte is looked at a bounded number of times.
struct TSVReader {
    /// One data line.
    struct Line {
        var number: Int
        var bytes: ArraySlice<UInt8>
        /// The values by field position; nil for the unset field and for fields no ``ZeekNoticeParser/Column`` reads.
        var values: [String?]
    }

    let body: [UInt8]
    let limits: IngestLimits
    private var position = 0
    private var lineNumber = 0
    private(set) var notices = 0

    private var separator: [UInt8] = [0x09]
    private var emptyField: [UInt8] = Array("(empty)".utf8)
    private var unsetField: [UInt8] = [UInt8(ascii: "-")]
    private var fields: [String]?
    /// The position in the current block of each ``ZeekNoticeParser/Column`` (indexed by its raw value).
    private(set) var columns: [Int?] = Array(repeating: nil, count: ZeekNoticeParser.Column.allCases.count)
    /// Whether a column reads the field at each position of the current block; the others are not decoded.
    private var read: [Bool] = []
    /// The current block's header lines, each ending in a line break.
    private(set) var header: [UInt8] = []

    init(body: [UInt8], limits: IngestLimits) {
        self.body = body
        self.limits = limits
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// The next data line, or nil at the end. - Throws: `.invalid`/`.tooLarge` naming the line.
    mutating func nextNotice() throws -> Line? {
        while position < body.count {
            lineNumber += 1
            let start = position
            var end = start
            while end < body.count, body[end] != 0x0A { end += 1 }
            position = end + 1
            guard end - start <= limits.maxRecordBytes else {
                throw RiposteError(.tooLarge, "line \(lineNumber): longer than \(limits.maxRecordBytes) bytes")
            }
            var contentEnd = end
            if contentEnd > start, body[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let line = body[start..<contentEnd]
            try validateUTF8(line, lineStart: start)
            if line.isEmpty { continue }
            if line.first == UInt8(ascii: "#") {
                try header(Array(line))
                continue
            }
            guard let fields else {
                throw RiposteError.invalid("line \(lineNumber): data before a '#fields' header at byte \(start)")
            }
            notices += 1
            guard notices <= limits.maxRecords else {
                throw RiposteError(.tooLarge, "the body has more than \(limits.maxRecords) notices")
            }
            let values = values(of: line)
            guard values.count == fields.count else {
                throw RiposteError.invalid(
                    "line \(lineNumber) (notice \(notices)): \(values.count) values for \(fields.count) fields at byte \(start)")
            }
            return Line(number: lineNumber, bytes: line, values: values)
        }
        return nil
    }

    private mutating func header(_ line: [UInt8]) throws {
        if line.starts(with: "#separator ".utf8) {
            let value = Self.unescape(line[11...])
            guard !value.isEmpty else { throw RiposteError.invalid("line \(lineNumber): empty '#separator'") }
            separator = Array(value.utf8)
            fields = nil
            resetColumns()
            header = line + [0x0A]
            return
        }
        let parts = split(line)
        let directive = String(decoding: parts[0], as: UTF8.self)
        let values = parts.dropFirst()
        switch directive {
        case "#set_separator", "#path", "#open":
            break
        case "#empty_field":
            emptyField = Array(values.first ?? [])
        case "#unset_field":
            unsetField = Array(values.first ?? [])
        case "#fields":
            let names = values.map { String(decoding: $0, as: UTF8.self) }
            guard !names.isEmpty, names.count <= 1024 else {
                throw RiposteError.invalid("line \(lineNumber): '#fields' must name 1-1024 fields")
            }
            fields = names
            resetColumns()
            for column in ZeekNoticeParser.Column.allCases { columns[column.rawValue] = names.firstIndex(of: column.name) }
            read = Array(repeating: false, count: names.count)
            for case let position? in columns { read[position] = true }
        case "#types":
            guard let fields, values.count == fields.count else {
                throw RiposteError.invalid(
                    "line \(lineNumber): '#types' lists \(values.count) types for \(fields?.count ?? 0) fields")
            }
        case "#close":
            self.fields = nil
            resetColumns()
            header = []
            return
        default:
            return  // a comment (btest baselines start with `### …`)
        }
        header += line + [0x0A]
    }

    private mutating func resetColumns() {
        for position in columns.indices { columns[position] = nil }
        read = []
    }

    /// The line's values by field position: unescaped, nil for the unset field.
    private func values(of line: ArraySlice<UInt8>) -> [String?] {
        guard separator.count == 1 else {
            return split(Array(line)).enumerated().map { position, bytes in isRead(position) ? value(bytes) : nil }
        }
        let separatorByte = separator[0]
        // One pass over the line in place: no copy of the line and no array of slices.
        return line.withUnsafeBufferPointer { buffer in
            var values: [String?] = []
            values.reserveCapacity(fields?.count ?? 0)
            var fieldStart = 0
            for index in buffer.indices where buffer[index] == separatorByte {
                values.append(isRead(values.count) ? value(UnsafeBufferPointer(rebasing: buffer[fieldStart..<index])) : nil)
                fieldStart = index + 1
            }
            values.append(isRead(values.count) ? value(UnsafeBufferPointer(rebasing: buffer[fieldStart...])) : nil)
            return values
        }
    }

    private func isRead(_ position: Int) -> Bool { position < read.count && read[position] }

    private func value(_ bytes: some Collection<UInt8>) -> String? {
        if bytes.elementsEqual(unsetField) { return nil }
        if bytes.elementsEqual(emptyField) { return "" }
        return Self.unescape(bytes)
    }

    /// The line's values between separators.
    private func split(_ line: [UInt8]) -> [ArraySlice<UInt8>] {
        guard separator.count > 1 else {
            return line.split(separator: separator[0], omittingEmptySubsequences: false)
        }
        var parts: [ArraySlice<UInt8>] = []
        var fieldStart = 0
        var index = 0
        while index + separator.count <= line.count {
            if line[index..<(index + separator.count)].elementsEqual(separator) {
                parts.append(line[fieldStart..<index])
                index += separator.count
                fieldStart = index
            } else {
                index += 1
            }
        }
        parts.append(line[fieldStart...])
        return parts
    }

    private func validateUTF8(_ line: ArraySlice<UInt8>, lineStart: Int) throws {
        try line.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if buffer[index] < 0x80 {
                    index += 1
                    continue
                }
                let length = UTF8Validation.sequenceLength(buffer, at: index)
                guard length > 0 else {
                    throw RiposteError.invalid("line \(lineNumber): invalid UTF-8 at byte \(lineStart + index)")
                }
                index += length
            }
        }
    }

    /// Zeek's escaping undone: `\xHH` is the byte HH and `\\` a backslash; other text is kept.
    static func unescape(_ value: some Collection<UInt8>) -> String {
        guard value.contains(UInt8(ascii: "\\")) else { return String(decoding: value, as: UTF8.self) }
        let bytes = Array(value)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                if bytes[index + 1] == UInt8(ascii: "\\") {
                    out.append(byte)
                    index += 2
                    continue
                }
                if bytes[index + 1] == UInt8(ascii: "x"), index + 3 < bytes.count,
                    let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3])
                {
                    out.append(high << 4 | low)
                    index += 4
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
