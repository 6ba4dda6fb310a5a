// Parses one syslog message (RFC 5424, or RFC 3164 and its common deviations) from bytes.
package import FoundationEssentials
import RiposteCore

/// One structured-data element of an RFC 5424 message: `[exampleSDID@32473 iut="3" eventSource="Application"]`.
package struct SyslogStructuredElement: Hashable, Sendable {
    package var id: String
    /// The parameters in order, values unescaped (`\"`, `\\`, `\]`).
    package var parameters: [EventField]

    package init(id: String, parameters: [EventField]) {
        self.id = id
        self.parameters = parameters
    }
}

/// One syslog message, header fields decoded and the message body kept as bytes.
///
/// RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`, `-` for a nil field,
/// structured data with escapes, and a UTF-8 BOM before MSG (removed, see ``hasBOM``).
///
/// RFC 3164 (BSD): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`. The timestamp has no year: the caller
/// supplies it, and without one ``timestamp`` is nil. Tolerated deviations, as senders emit them: no PRI;
/// an RFC 3339 timestamp instead of `Mmm dd hh:mm:ss`; a year or fraction after the time
/// (`Mmm dd yyyy hh:mm:ss.fff`); no hostname (the token after the time ends in `:` or holds `[`); no tag.
/// A message without a recognisable timestamp is all MSG, as RFC 3164 section 4.3.3 says.
package struct SyslogMessage: Hashable, Sendable {
    package enum Format: Hashable, Sendable {
        case rfc5424, rfc3164
    }

    package var format: Format
    /// PRI / 8 (0–23); nil when the message has no PRI.
    package var facility: Int?
    /// PRI % 8, syslog's own scale (0 emergency … 7 debug); nil without PRI.
    package var severity: Int?
    /// RFC 5424 VERSION (1); nil for RFC 3164.
    package var version: Int?
    package var timestamp: Date?
    package var hostname: String?
    /// RFC 5424 APP-NAME, or the RFC 3164 TAG.
    package var appName: String?
    package var procID: String?
    package var msgID: String?
    package var structuredData: [SyslogStructuredElement]
    /// MSG's bytes, without a leading BOM.
    package var message: [UInt8]
    /// True when MSG began with a UTF-8 byte-order mark (RFC 5424: the message is UTF-8).
    package var hasBOM: Bool

    /// MSG as text (invalid UTF-8 replaced).
    package var messageText: String { String(decoding: message, as: UTF8.self) }

    package init(
        format: Format, facility: Int? = nil, severity: Int? = nil, version: Int? = nil, timestamp: Date? = nil,
        hostname: String? = nil, appName: String? = nil, procID: String? = nil, msgID: String? = nil,
        structuredData: [SyslogStructuredElement] = [], message: [UInt8] = [], hasBOM: Bool = false
    ) {
        self.format = format
        self.facility = facility
        self.severity = severity
        self.version = version
        self.timestamp = timestamp
        self.hostname = hostname
        self.appName = appName
        self.procID = procID
        self.msgID = msgID
        self.structuredData = structuredData
        self.message = message
        self.hasBOM = hasBOM
    }

    /// Parses one message (one frame, without its trailing LF).
    /// - Parameter year: the year of RFC 3164 timestamps, which carry none (a listener passes the current one).
    /// - Throws: `.invalid` naming the byte where the message breaks the format.
    package static func parse(_ bytes: [UInt8], year: Int? = nil) throws -> SyslogMessage {
        try bytes.withUnsafeBufferPointer { buffer in
            do throws(LineSyntaxError) {
                return try parse(buffer, year: year)
            } catch {
                throw RiposteError(.invalid, "syslog message: \(error.reason) at byte \(error.column)", underlying: error)
            }
        }
    }

    /// Parses `bytes`; errors carry the byte offset within `bytes`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, year: Int?) throws(LineSyntaxError) -> SyslogMessage {
        var reader = SyslogReader(bytes: bytes, isHeader: false)
        return try reader.read(year: year)
    }

    /// Parses the syslog header that precedes a CEF or LEEF payload; an RFC 5424 header may stop after any
    /// field (IBM documents `<13>1 2019-01-18T11:07:53.520Z 192.168.1.1 LEEF:…`).
    static func parseHeader(_ bytes: UnsafeBufferPointer<UInt8>, year: Int?) throws(LineSyntaxError) -> SyslogMessage {
        var reader = SyslogReader(bytes: bytes, isHeader: true)
        return try reader.read(year: year)
    }
}

/// The cursor that reads a syslog message.
private struct SyslogReader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// True when reading only a header before CEF or LEEF, which may end after any RFC 5424 field.
    let isHeader: Bool
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, isHeader: Bool) {
        self.bytes = bytes
        self.isHeader = isHeader
    }

    var end: Int { bytes.count }

    mutating func read(year: Int?) throws(LineSyntaxError) -> SyslogMessage {
        let priority = try readPriority()
        // RFC 5424: a version number (1–2 digits, not 0) and a space right after PRI.
        if let priority, index + 1 < end, bytes[index] &- 0x31 < 9 {
            var cursor = index
            var version = 0
            while cursor < end, cursor - index < 3, bytes[cursor] &- 0x30 < 10 {
                version = version * 10 + Int(bytes[cursor] &- 0x30)
                cursor += 1
            }
            if cursor < end, cursor - index <= 2, bytes[cursor] == Bytes.space {
                index = cursor + 1
                return try read5424(priority: priority, version: version)
            }
        }
        return read3164(priority: priority, year: year)
    }

    /// `<0>`…`<191>`; nil when the message does not start with `<`.
    mutating func readPriority() throws(LineSyntaxError) -> Int? {
        guard index < end, bytes[index] == UInt8(ascii: "<") else { return nil }
        var cursor = index + 1
        var value = 0
        while cursor < end, cursor - index <= 3, bytes[cursor] &- 0x30 < 10 {
            value = value * 10 + Int(bytes[cursor] &- 0x30)
            cursor += 1
        }
        guard cursor > index + 1, cursor < end, bytes[cursor] == UInt8(ascii: ">") else {
            throw LineSyntaxError("PRI must be '<' 1 to 3 digits '>'", at: index)
        }
        guard value <= 191, cursor - index == 2 || bytes[index + 1] != 0x30 else {
            throw LineSyntaxError("PRI \(value) is not 0-191 without leading zeros", at: index + 1)
        }
        index = cursor + 1
        return value
    }

    // MARK: RFC 5424

    mutating func read5424(priority: Int, version: Int) throws(LineSyntaxError) -> SyslogMessage {
        var message = SyslogMessage(format: .rfc5424, facility: priority / 8, severity: priority % 8, version: version)
        let timestampStart = index
        if let range = try field(named: "TIMESTAMP", maxLength: 64) {
            guard let date = EventTime.parse(Bytes.string(bytes, range)) else {
                throw LineSyntaxError("TIMESTAMP \(Bytes.quoted(bytes, range)) is not an RFC 3339 time", at: timestampStart)
            }
            message.timestamp = date
        }
        if isHeader && index >= end { return message }
        message.hostname = try field(named: "HOSTNAME", maxLength: 255).map { Bytes.string(bytes, $0) }
        if isHeader && index >= end { return message }
        message.appName = try field(named: "APP-NAME", maxLength: 48).map { Bytes.string(bytes, $0) }
        if isHeader && index >= end { return message }
        message.procID = try field(named: "PROCID", maxLength: 128).map { Bytes.string(bytes, $0) }
        if isHeader && index >= end { return message }
        message.msgID = try field(named: "MSGID", maxLength: 32).map { Bytes.string(bytes, $0) }
        if isHeader && index >= end { return message }
        guard index < end else { throw LineSyntaxError("missing STRUCTURED-DATA ('-' or '[...]')", at: index) }
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
        } else {
            guard bytes[index] == UInt8(ascii: "[") else {
                throw LineSyntaxError("STRUCTURED-DATA must be '-' or start with '['", at: index)
            }
            while index < end, bytes[index] == UInt8(ascii: "[") {
                message.structuredData.append(try readElement())
            }
        }
        if index < end {
            guard bytes[index] == Bytes.space else {
                throw LineSyntaxError("expected a space before MSG after STRUCTURED-DATA", at: index)
            }
            index += 1
            if end - index >= 3, bytes[index] == 0xEF, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF {
                message.hasBOM = true
                index += 3
                if let bad = UTF8Check.firstInvalidByte(in: UnsafeBufferPointer(rebasing: bytes[index..<end])) {
                    throw LineSyntaxError("MSG after a BOM is not valid UTF-8", at: index + bad)
                }
            }
            message.message = Array(bytes[index..<end])
        }
        return message
    }

    /// A header field up to the next space; nil for `-`. Printable US-ASCII only, at most `maxLength` bytes.
    mutating func field(named name: String, maxLength: Int) throws(LineSyntaxError) -> Range<Int>? {
        let start = index
        while index < end, bytes[index] != Bytes.space {
            guard bytes[index] > 0x20, bytes[index] < 0x7F else {
                throw LineSyntaxError("\(name) holds a byte that is not printable US-ASCII", at: index)
            }
            index += 1
        }
        guard index > start else { throw LineSyntaxError("missing \(name)", at: start) }
        guard index - start <= maxLength else {
            throw LineSyntaxError("\(name) is longer than \(maxLength) bytes", at: start)
        }
        let fieldEnd = index
        if index < end {
            index += 1
        } else if !isHeader {
            throw LineSyntaxError("message ends after \(name)", at: index)
        }
        return fieldEnd - start == 1 && bytes[start] == UInt8(ascii: "-") ? nil : start..<fieldEnd
    }

    /// One `[SD-ID *(SP PARAM-NAME="value")]`.
    mutating func readElement() throws(LineSyntaxError) -> SyslogStructuredElement {
        index += 1
        let id = try readName("SD-ID")
        var parameters: [EventField] = []
        while true {
            guard index < end else { throw LineSyntaxError("structured data element is not closed with ']'", at: index) }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return SyslogStructuredElement(id: id, parameters: parameters)
            }
            guard bytes[index] == Bytes.space else {
                throw LineSyntaxError("expected ' ' or ']' in structured data", at: index)
            }
            index += 1
            let name = try readName("PARAM-NAME")
            guard end - index >= 2, bytes[index] == Bytes.equals, bytes[index + 1] == UInt8(ascii: "\"") else {
                throw LineSyntaxError("expected '=\"' after PARAM-NAME '\(name)'", at: index)
            }
            index += 2
            let valueStart = index
            var escaped = false
            while index < end, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == Bytes.backslash, index + 1 < end {
                    escaped = true
                    index += 1
                }
                index += 1
            }
            guard index < end else { throw LineSyntaxError("PARAM-VALUE is not closed with '\"'", at: valueStart) }
            let range = valueStart..<index
            index += 1
            let raw = UnsafeBufferPointer(rebasing: bytes[range])
            if let bad = UTF8Check.firstInvalidByte(in: raw) {
                throw LineSyntaxError("PARAM-VALUE is not valid UTF-8", at: valueStart + bad)
            }
            parameters.append(EventField(name, escaped ? unescape(range) : Bytes.string(bytes, range)))
        }
    }

    /// SD-NAME: 1–32 printable US-ASCII bytes other than `=`, space, `]` and `"`.
    mutating func readName(_ what: String) throws(LineSyntaxError) -> String {
        let start = index
        while index < end {
            let byte = bytes[index]
            guard byte > 0x20, byte < 0x7F, byte != Bytes.equals, byte != UInt8(ascii: "]"), byte != UInt8(ascii: "\"")
            else { break }
            index += 1
        }
        guard index > start, index - start <= 32 else {
            throw LineSyntaxError("\(what) must be 1 to 32 printable characters other than '=', ' ', ']' and '\"'", at: start)
        }
        return Bytes.string(bytes, start..<index)
    }

    /// A PARAM-VALUE with `\"`, `\\` and `\]` unescaped; any other backslash stays (RFC 5424 section 6.3.3).
    func unescape(_ range: Range<Int>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var cursor = range.lowerBound
        while cursor < range.upperBound {
            let byte = bytes[cursor]
            if byte == Bytes.backslash, cursor + 1 < range.upperBound {
                let next = bytes[cursor + 1]
                if next == UInt8(ascii: "\"") || next == Bytes.backslash || next == UInt8(ascii: "]") {
                    output.append(next)
                    cursor += 2
                    continue
                }
            }
            output.append(byte)
            cursor += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: RFC 3164

    mutating func read3164(priority: Int?, year: Int?) -> SyslogMessage {
        var message = SyslogMessage(format: .rfc3164, facility: priority.map { $0 / 8 }, severity: priority.map { $0 % 8 })
        let headerStart = index
        guard readTimestamp3164(into: &message, year: year) else {
            index = headerStart
            message.message = Array(bytes[index..<end])
            return message
        }
        // HOSTNAME, unless the next token is already the tag (`su:`, `sshd[42]:`).
        let tokenStart = index
        while index < end, bytes[index] != Bytes.space { index += 1 }
        let token = tokenStart..<index
        let looksLikeTag = token.contains { bytes[$0] == UInt8(ascii: "[") } || (token.last.map { bytes[$0] } == 0x3A)
        if !token.isEmpty, !looksLikeTag {
            message.hostname = Bytes.string(bytes, token)
            if index < end { index += 1 }
        } else {
            index = tokenStart
        }
        readTag(into: &message)
        message.message = Array(bytes[index..<end])
        return message
    }

    /// `Mmm dd hh:mm:ss ` (with the tolerated variants), or an RFC 3339 time and a space. False when neither.
    mutating func readTimestamp3164(into message: inout SyslogMessage, year: Int?) -> Bool {
        guard index < end else { return false }
        if bytes[index] &- 0x30 < 10 {
            var cursor = index
            while cursor < end, cursor - index < 64, bytes[cursor] != Bytes.space { cursor += 1 }
            guard cursor - index >= 19, let date = EventTime.parse(Bytes.string(bytes, index..<cursor)) else { return false }
            message.timestamp = date
            index = min(cursor + 1, end)
            return true
        }
        let (result, stop) = TextTime.parseMonthDay(bytes, from: index, to: end, year: year, zone: false)
        guard result != .invalid, stop == end || bytes[stop] == Bytes.space else { return false }
        if case .time(let date) = result { message.timestamp = date }
        index = min(stop + 1, end)
        return true
    }

    /// TAG (up to 48 alphanumerics and `-_./`), an optional `[PID]`, then `:`; nothing when the text is not a tag.
    mutating func readTag(into message: inout SyslogMessage) {
        let start = index
        var cursor = index
        while cursor < end, cursor - start <= 48 {
            let byte = bytes[cursor]
            let allowed =
                (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
            guard allowed else { break }
            cursor += 1
        }
        guard cursor > start, cursor < end else { return }
        let tagEnd = cursor
        var pid: Range<Int>?
        if bytes[cursor] == UInt8(ascii: "[") {
            let pidStart = cursor + 1
            cursor = pidStart
            while cursor < end, cursor - pidStart <= 128, bytes[cursor] != UInt8(ascii: "]"), bytes[cursor] != Bytes.space {
                cursor += 1
            }
            guard cursor < end, bytes[cursor] == UInt8(ascii: "]"), cursor > pidStart else { return }
            pid = pidStart..<cursor
            cursor += 1
        }
        guard cursor < end, bytes[cursor] == 0x3A else { return }
        cursor += 1
        if cursor < end, bytes[cursor] == Bytes.space { cursor += 1 }
        message.appName = Bytes.string(bytes, start..<tagEnd)
        message.procID = pid.map { Bytes.string(bytes, $0) }
        index = cursor
    }
}
