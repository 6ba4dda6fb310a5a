// Maps Zeek notice.log (TSV with #-headers, or JSON lines) to alert drafts.
import FoundationEssentials
import Glibc
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
            try AlertIngest.forEachRecord(in: body, limits: limits, expecting: { drafts.reserveCapacity($0) }) {
                record, bytes, value in
                do {
                    guard let members = value.objectMembers else { throw RiposteError.invalid("expected a JSON object") }
                    drafts.append(try notice(NoticeFields(members: members), raw: bytes))
                } catch let error as RiposteError {
                    throw RiposteError(error.code, "\(record.label): \(error.message)", underlying: error)
                }
            }
            return drafts
        }
        var reader = TSVReader(body: body, limits: limits)
        var drafts: [AlertDraft] = []
        // One draft per line at most, reserved so the drafts (a few hundred bytes each) are not copied as the array grows.
        drafts.reserveCapacity(min(TSVReader.lineCount(body), limits.maxRecords))
        while let line = try reader.nextNotice() {
            do {
                drafts.append(try notice(NoticeFields(texts: line.values), raw: reader.raw(line)))
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

        /// The column a field name reads, or nil.
        init?(name: String) {
            let length = name.utf8.count
            guard length < Self.byNameLength.count, let column = Self.byNameLength[length].first(where: { $0.name == name })
            else { return nil }
            self = column
        }

        /// The columns by the byte length of their names, so a name is compared with few of them.
        private static let byNameLength: [[Column]] = {
            var table = Array(repeating: [Column](), count: 11)
            for column in allCases { table[column.name.utf8.count].append(column) }
            return table
        }()

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

    /// One notice's fields as text, found once.
    struct NoticeFields {
        /// Each ``Column``'s text by raw value: nil when the field is absent or unset (TSV), or not a
        /// non-empty string or a number (JSON).
        var texts: [String?]
        /// `ts` when a JSON log gives it as a number (its text is then nil): used as it is, not through its text.
        var unixSeconds: Double?

        init(texts: [String?]) {
            self.texts = texts
        }

        /// The fields of a JSON notice: the first member of each column's name, as ``JSONValue/text``.
        init(members: [(String, JSONValue)]) {
            texts = Array(repeating: nil, count: Column.allCases.count)
            var found: UInt32 = 0
            for (name, value) in members {
                guard let column = Column(name: name), found & (1 << column.rawValue) == 0 else { continue }
                found |= 1 << column.rawValue
                if column == .ts, case .number(let seconds) = value {
                    unixSeconds = seconds
                } else {
                    texts[column.rawValue] = value.text
                }
            }
        }

        subscript(column: Column) -> String? { texts[column.rawValue] }
    }

    /// Maps one notice.
    func notice(_ fields: NoticeFields, raw: [UInt8]) throws -> AlertDraft {
        let note = fields[.note]
        let message = fields[.msg]
        guard let title = message ?? note else { throw RiposteError.invalid("notice without 'msg' or 'note'") }
        let timestamp = fields[.ts]
        var time: Date?
        if let seconds = fields.unixSeconds {
            // A JSON number's text reads back as the same Double, so this is what parsing its text gives.
            guard let date = EventTime.date(unixSeconds: seconds) else {
                throw RiposteError.invalid("ts '\(JSONValue.number(seconds).text ?? "")' is not a time")
            }
            time = date
        } else if let timestamp, !timestamp.utf8.allSatisfy({ $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: ".") }) {
            guard let date = EventTime.parse(timestamp) ?? Double(timestamp).flatMap(EventTime.date(unixSeconds:)) else {
                throw RiposteError.invalid("ts '\(timestamp)' is not a time")
            }
            time = date
        }
        func address(_ column: Column) throws -> ParsedIP? {
            guard let text = fields[column] else { return nil }
            return try ipAddress(.string(text), field: column.name)
        }
        func portNumber(_ column: Column) throws -> Int? {
            guard let text = fields[column] else { return nil }
            return try port(.string(text), field: column.name)
        }
        let sourceIP = try address(.origHost) ?? address(.src)
        let destinationIP = try address(.respHost) ?? address(.dst)
        let sourcePort = try portNumber(.origPort)
        let destinationPort = try portNumber(.respPort) ?? portNumber(.p)
        let subject = fields[.sub]

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        if let subject { observables.add(contentsOf: ObservableExtractor.observables(in: subject)) }
        if let message { observables.add(contentsOf: ObservableExtractor.observables(in: message)) }

        let timePart = time.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? timestamp ?? ""
        let refParts = [
            timePart, fields[.uid] ?? "", note ?? "", message ?? "", subject ?? "", fields[.origHost] ?? "",
            fields[.origPort] ?? "", fields[.respHost] ?? "", fields[.respPort] ?? "", fields[.src] ?? "",
            fields[.dst] ?? "", fields[.p] ?? "",
        ]
        return AlertDraft(
            source: source,
            sourceRef: derivedSourceRef(refParts),
            title: title,
            severity: .medium,
            time: time,
            rule: DetectionRule(uid: note, name: note, category: note.flatMap(Self.module(ofNote:))),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: sourcePort),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: destinationPort),
            hostName: fields[.peerDescription],
            userName: nil,
            observables: observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }

    /// The module a note names (`SSH` of `SSH::Password_Guessing`): its first non-empty run of
    /// characters other than `:`, as `split(separator: ":").first` gives it, found on the bytes of
    /// ASCII notes (where every byte is a character).
    static func module(ofNote note: String) -> String? {
        var text = note
        return text.withUTF8 { bytes in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return note.split(separator: ":", maxSplits: 1).first.map(String.init) }
            guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: ":") }) else { return nil }
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}

/// Reads Zeek TSV logs line by line: tracks the current header block and yields data lines split
/// into unescaped values. Linear: each byte is looked at a bounded number of times.
struct TSVReader {
    /// One data line.
    struct Line {
        var number: Int
        var bytes: ArraySlice<UInt8>
        /// Each ``ZeekNoticeParser/Column``'s value by raw value; nil for the unset field and absent fields.
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
    /// The raw value of the column that reads the field at each position of the current block, or -1;
    /// the fields no column reads are not decoded.
    private var columnAt: [Int] = []
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
            let end = Self.lineEnd(body, from: start)
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
            let (count, values) = values(of: line)
            guard count == fields.count else {
                throw RiposteError.invalid(
                    "line \(lineNumber) (notice \(notices)): \(count) values for \(fields.count) fields at byte \(start)")
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
            columnAt = Array(repeating: -1, count: names.count)
            for (column, position) in columns.enumerated() { if let position { columnAt[position] = column } }
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
        columnAt = []
    }

    /// The raw payload of a data line: the current block's header lines, then the line, in one allocation.
    func raw(_ line: Line) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: header.count + line.bytes.count) { buffer, count in
            let headerEnd = buffer.initialize(fromContentsOf: header)
            count = buffer[headerEnd...].initialize(fromContentsOf: line.bytes)
        }
    }

    /// How many lines `body` has (its line feeds, and a last line without one).
    static func lineCount(_ body: [UInt8]) -> Int {
        var count = 0
        var start = 0
        while start < body.count {
            start = lineEnd(body, from: start) + 1
            count += 1
        }
        return count
    }

    /// The index of the first line feed in `body` from `start`, or its end.
    private static func lineEnd(_ body: [UInt8], from start: Int) -> Int {
        body.withUnsafeBufferPointer { buffer in
            guard start < buffer.count, let base = buffer.baseAddress,
                let found = memchr(base + start, 0x0A, buffer.count - start)
            else { return buffer.count }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The line's number of values, and each column's value by raw value: unescaped, nil for the unset field.
    private func values(of line: ArraySlice<UInt8>) -> (count: Int, values: [String?]) {
        var values = [String?](repeating: nil, count: ZeekNoticeParser.Column.allCases.count)
        guard separator.count == 1 else {
            let parts = split(Array(line))
            for (position, bytes) in parts.enumerated() where column(at: position) >= 0 {
                values[column(at: position)] = value(bytes)
            }
            return (parts.count, values)
        }
        let separatorByte = separator[0]
        // One pass over the line in place: no copy of the line and no array of slices.
        let count = line.withUnsafeBufferPointer { buffer in
            var position = 0
            var fieldStart = 0
            for index in buffer.indices where buffer[index] == separatorByte {
                if column(at: position) >= 0 {
                    values[column(at: position)] = value(UnsafeBufferPointer(rebasing: buffer[fieldStart..<index]))
                }
                position += 1
                fieldStart = index + 1
            }
            if column(at: position) >= 0 {
                values[column(at: position)] = value(UnsafeBufferPointer(rebasing: buffer[fieldStart...]))
            }
            return position + 1
        }
        return (count, values)
    }

    /// The raw value of the column reading the field at `position`, or -1.
    private func column(at position: Int) -> Int { position < columnAt.count ? columnAt[position] : -1 }

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
                // Eight ASCII bytes at a time, the usual case.
                if index + 8 <= buffer.count,
                    UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(fromByteOffset: index, as: UInt64.self)
                        & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                    continue
                }
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
