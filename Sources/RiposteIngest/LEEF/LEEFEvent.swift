// IBM QRadar LEEF 1.0 and 2.0 records: the decoded event and the line reader.
import RiposteCore

/// One LEEF event: the header and the attributes in order.
///
/// `LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value`
/// `LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|key=value^key=value`
package struct LEEFEvent: Hashable, Sendable {
    /// `1.0` or `2.0`, as sent.
    package var version: String
    package var vendor: String
    package var product: String
    package var productVersion: String
    package var eventID: String
    /// The attribute delimiter in effect (a tab unless a LEEF 2.0 header names another; a space when a
    /// LEEF 1.0 sender used spaces).
    package var delimiter: String
    package var attributes: [EventField]

    package init(
        version: String, vendor: String, product: String, productVersion: String, eventID: String, delimiter: String,
        attributes: [EventField]
    ) {
        self.version = version
        self.vendor = vendor
        self.product = product
        self.productVersion = productVersion
        self.eventID = eventID
        self.delimiter = delimiter
        self.attributes = attributes
    }

    /// The first value of attribute `key`.
    package subscript(key: String) -> String? {
        attributes.first { $0.key == key }?.value
    }

    /// Parses one line: `LEEF:…`, optionally after a syslog header. - Throws: `.invalid` naming the column.
    package static func parse(_ line: [UInt8], year: Int? = nil) throws -> LEEFRecord {
        try line.withUnsafeBufferPointer { buffer in
            do throws(LineSyntaxError) {
                return try LEEFReader.read(buffer, year: year)
            } catch {
                throw RiposteError(.invalid, "\(error.reason) at column \(error.column + 1)", underlying: error)
            }
        }
    }
}

/// A LEEF line: the syslog header before `LEEF:` (when there is one), the event, and where its parts are.
package struct LEEFRecord: Hashable, Sendable {
    package var syslogHeader: SyslogMessage?
    package var event: LEEFEvent
    /// The column of each attribute's value, for error messages.
    package var valueColumns: [Int]
}

/// A LEEF line scanned in place: where its header fields and attributes lie, its version and delimiter. Parsing a
/// body reuses one layout for every line and makes strings only of the attributes the mapping reads.
struct LEEFLayout {
    /// The offset of `LEEF:`; the bytes before it are a syslog header.
    var marker = 0
    /// The five header fields (Version|Vendor|Product|Version|EventID).
    var header: [Range<Int>] = []
    /// The version field without spaces: `1.0`, `2.0`, `1` or `2`.
    var version = ""
    /// The attribute delimiter in effect (a space when a LEEF 1.0 sender used spaces).
    var delimiter: [UInt8] = []
    /// The attributes in order.
    var fields: [FieldSpan] = []

    /// Scans `line` (the storage of the previous scan is reused). - Throws: the error and its column.
    mutating func scan(_ line: UnsafeBufferPointer<UInt8>) throws(LineSyntaxError) {
        guard let marker = LEEFReader.findMarker(line) else {
            throw LineSyntaxError("no 'LEEF:' header (expected 'LEEF:Version|Vendor|Product|Version|EventID|')", at: 0)
        }
        self.marker = marker
        header.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        var index = marker + 5
        while header.count < 5 {
            let start = index
            while index < line.count, line[index] != Bytes.pipe { index += 1 }
            if index == line.count && header.count < 4 {
                throw LineSyntaxError(
                    "LEEF header has \(header.count + 1) of 5 fields (Version|Vendor|Product|Version|EventID|); expected '|'",
                    at: index)
            }
            header.append(start..<index)
            if index < line.count { index += 1 }
        }
        version = headerText(0, line).trimmingSpaces
        guard version == "1.0" || version == "2.0" || version == "1" || version == "2" else {
            throw LineSyntaxError("LEEF version '\(version.prefix(16))' is not 1.0 or 2.0", at: marker + 5)
        }
        delimiter.removeAll(keepingCapacity: true)
        if version.hasPrefix("2"), let next = try LEEFReader.delimiterField(line, at: index, into: &delimiter) {
            index = next
        } else {
            delimiter.append(Bytes.tab)
        }
        let body = index..<line.count
        if delimiter.count == 1, delimiter[0] == Bytes.tab, version.hasPrefix("1"), Self.isSpaced(line, body) {
            delimiter[0] = Bytes.space
            try ExtensionScanner.scan(line, body, escapes: false) { key, value in
                fields.append(FieldSpan(key: key, value: value))
            }
        } else {
            try LEEFReader.splitAttributes(line, body, delimiter: delimiter) { key, value in
                fields.append(FieldSpan(key: key, value: value))
            }
        }
    }

    /// True when `line[range]` has a space and no tab: a LEEF 1.0 sender that separated attributes with spaces.
    static func isSpaced(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var space = false
        for index in range {
            if line[index] == Bytes.tab { return false }
            if line[index] == Bytes.space { space = true }
        }
        return space
    }

    func headerText(_ index: Int, _ line: UnsafeBufferPointer<UInt8>) -> String { Bytes.string(line, header[index]) }
    func key(_ index: Int, _ line: UnsafeBufferPointer<UInt8>) -> String { Bytes.string(line, fields[index].key) }
    func value(_ index: Int, _ line: UnsafeBufferPointer<UInt8>) -> String { Bytes.string(line, fields[index].value) }
}

/// Reads LEEF lines from bytes.
enum LEEFReader {
    /// Parses `line` into a decoded record (every field as text); errors carry the column.
    static func read(_ line: UnsafeBufferPointer<UInt8>, year: Int?) throws(LineSyntaxError) -> LEEFRecord {
        var layout = LEEFLayout()
        try layout.scan(line)
        let event = LEEFEvent(
            version: layout.version, vendor: layout.headerText(1, line), product: layout.headerText(2, line),
            productVersion: layout.headerText(3, line), eventID: layout.headerText(4, line),
            delimiter: String(decoding: layout.delimiter, as: UTF8.self),
            attributes: layout.fields.indices.map { EventField(layout.key($0, line), layout.value($0, line)) })
        return LEEFRecord(
            syslogHeader: syslogHeader(layout, line, year: year), event: event,
            valueColumns: layout.fields.map(\.value.lowerBound))
    }

    /// The syslog header before `LEEF:`, if it reads as one.
    static func syslogHeader(_ layout: LEEFLayout, _ line: UnsafeBufferPointer<UInt8>, year: Int?) -> SyslogMessage? {
        guard layout.marker > 0 else { return nil }
        return try? SyslogMessage.parseHeader(UnsafeBufferPointer(rebasing: line[0..<layout.marker]), year: year)
    }

    /// The offset of `LEEF:` followed by a digit or space, or nil.
    static func findMarker(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var from = 0
        while let found = Bytes.find("LEEF:", in: line, from: from, to: line.count) {
            let next = found + 5
            if next < line.count, line[next] &- 0x30 < 10 || line[next] == Bytes.space { return found }
            from = found + 1
        }
        return nil
    }

    /// The LEEF 2.0 delimiter field at `start`: one character, or `0x`/`x` and 1–4 hex digits, then `|`.
    /// Nil when the header has no such field (the text there is already attributes); an empty field means tab.
    static func delimiterField(
        _ line: UnsafeBufferPointer<UInt8>, at start: Int, into delimiter: inout [UInt8]
    ) throws(LineSyntaxError) -> Int? {
        var end = start
        while end < line.count, end - start <= 8, line[end] != Bytes.pipe { end += 1 }
        guard end < line.count, line[end] == Bytes.pipe else { return nil }
        let field = UnsafeBufferPointer(rebasing: line[start..<end])
        guard !field.contains(Bytes.equals) else { return nil }
        if field.isEmpty {
            delimiter.append(Bytes.tab)
            return end + 1
        }
        // One ASCII character, the common case, without string work.
        if field.count == 1, field[0] < 0x80, field[0] != Bytes.equals, field[0] != 0x0A, field[0] != 0x0D, field[0] != 0 {
            delimiter.append(field[0])
            return end + 1
        }
        var scalar: Unicode.Scalar?
        let text = String(decoding: field, as: UTF8.self)
        if text.unicodeScalars.count == 1 {
            scalar = text.unicodeScalars.first
        } else {
            var digits = Substring(text)
            if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
                digits = digits.dropFirst(2)
            } else if digits.hasPrefix("x") || digits.hasPrefix("X") {
                digits = digits.dropFirst(1)
            }
            if (1...4).contains(digits.count), let value = UInt32(digits, radix: 16) { scalar = Unicode.Scalar(value) }
        }
        guard let scalar, scalar != "=", scalar != "\n", scalar != "\r", scalar.value != 0 else {
            throw LineSyntaxError(
                "LEEF 2.0 delimiter \(Bytes.quoted(line, start..<end)) is not one character or 0x/x and 1-4 hex digits",
                at: start)
        }
        delimiter.append(contentsOf: String(scalar).utf8)
        return end + 1
    }

    /// Splits `delimiter`-separated `key=value` attributes. The key ends at the first `=`; a piece without `=` is
    /// taken as part of the previous value (LEEF has no escaping, so values may hold the delimiter).
    static func splitAttributes(
        _ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, delimiter: [UInt8],
        _ emit: (_ key: Range<Int>, _ value: Range<Int>) -> Void
    ) throws(LineSyntaxError) {
        var pending: (key: Range<Int>, value: Range<Int>)?
        var index = range.lowerBound
        let end = range.upperBound
        let first = delimiter[0]
        while index <= end {
            let pieceStart = index
            var pieceEnd = index
            while pieceEnd < end {
                if line[pieceEnd] == first, matches(line, at: pieceEnd, delimiter, end: end) { break }
                pieceEnd += 1
            }
            index = pieceEnd + delimiter.count
            var keyStart = pieceStart
            while keyStart < pieceEnd, line[keyStart] == Bytes.space { keyStart += 1 }
            guard keyStart < pieceEnd else { continue }
            var equals = keyStart
            while equals < pieceEnd, line[equals] != Bytes.equals { equals += 1 }
            var keyEnd = equals
            while keyEnd > keyStart, line[keyEnd - 1] == Bytes.space { keyEnd -= 1 }
            if equals < pieceEnd, keyEnd > keyStart {
                if let pending { emit(pending.key, pending.value) }
                pending = (keyStart..<keyEnd, (equals + 1)..<pieceEnd)
            } else if let previous = pending {
                pending = (previous.key, previous.value.lowerBound..<pieceEnd)
            } else {
                throw LineSyntaxError("expected key=value, found \(Bytes.quoted(line, pieceStart..<pieceEnd))", at: pieceStart)
            }
        }
        if let pending { emit(pending.key, pending.value) }
    }

    @inline(__always)
    static func matches(_ line: UnsafeBufferPointer<UInt8>, at index: Int, _ delimiter: [UInt8], end: Int) -> Bool {
        guard delimiter.count > 1 else { return true }
        guard index + delimiter.count <= end else { return false }
        for offset in 1..<delimiter.count where line[index + offset] != delimiter[offset] { return false }
        return true
    }
}
