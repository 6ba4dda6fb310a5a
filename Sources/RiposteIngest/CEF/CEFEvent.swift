// ArcSight CEF records: the decoded event, the line reader (optional syslog header, header, extension) and key names.
import RiposteCore

/// One CEF event, decoded: the seven header fields and the extension's `key=value` pairs in order, all unescaped.
///
/// `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`
package struct CEFEvent: Hashable, Sendable {
    /// The CEF major version (0 or 1).
    package var version: Int
    package var deviceVendor: String
    package var deviceProduct: String
    package var deviceVersion: String
    /// Device Event Class ID: what kind of event it is, the rule or signature id.
    package var signatureID: String
    package var name: String
    /// The severity as sent: `0`–`10`, or `Unknown`, `Low`, `Medium`, `High`, `Very-High`.
    package var severity: String
    package var extensions: [EventField]

    package init(
        version: Int, deviceVendor: String, deviceProduct: String, deviceVersion: String, signatureID: String,
        name: String, severity: String, extensions: [EventField]
    ) {
        self.version = version
        self.deviceVendor = deviceVendor
        self.deviceProduct = deviceProduct
        self.deviceVersion = deviceVersion
        self.signatureID = signatureID
        self.name = name
        self.severity = severity
        self.extensions = extensions
    }

    /// The first value of extension `key`, exactly as named.
    package subscript(key: String) -> String? {
        extensions.first { $0.key == key }?.value
    }

    /// The value of `key` looked up the way an analyst names it: the key itself, else its short or full
    /// CEF name (`src` / `sourceAddress`), else a custom field labelled `key` (`cs1Label=policy_name` names `cs1`).
    package func value(forKey key: String) -> String? {
        if let value = self[key] { return value }
        if let alias = CEFKeys.alias(of: key), let value = self[alias] { return value }
        guard let labelField = extensions.first(where: { $0.value == key && $0.key.hasSuffix("Label") }) else { return nil }
        return self[String(labelField.key.dropLast(5))]
    }

    /// Parses one line: `CEF:…`, optionally after a syslog header.
    /// - Parameter year: the year for a syslog header timestamp that has none.
    /// - Throws: `.invalid` naming the column.
    package static func parse(_ line: [UInt8], year: Int? = nil) throws -> CEFRecord {
        try line.withUnsafeBufferPointer { buffer in
            do throws(LineSyntaxError) {
                return try CEFReader.read(buffer, year: year)
            } catch {
                throw RiposteError(.invalid, "\(error.reason) at column \(error.column + 1)", underlying: error)
            }
        }
    }
}

/// A CEF line: the syslog header before `CEF:` (when there is one) and the event.
package struct CEFRecord: Hashable, Sendable {
    /// The syslog header, parsed as a message whose MSG is empty (the tag, if any, is its app name).
    package var syslogHeader: SyslogMessage?
    package var event: CEFEvent
    /// Column of the severity header field and of the extension's first byte, for error messages.
    package var severityColumn: Int
    package var extensionColumn: Int
}

/// A CEF line scanned in place: where its header fields and extension pairs lie, and its version. Parsing a body
/// reuses one layout for every line and makes strings only of the fields the mapping reads.
struct CEFLayout {
    /// The offset of `CEF:`; the bytes before it are a syslog header (or other relay prefix).
    var marker = 0
    /// The seven header fields (Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity).
    var header: [Range<Int>] = []
    /// Bit `n` set when header field `n` holds a backslash.
    var headerEscapes: UInt8 = 0
    var version = 0
    /// Column of the severity header field and of the extension's first byte, for error messages.
    var severityColumn = 0
    var extensionColumn = 0
    /// The extension's `key=value` pairs in order (values still escaped).
    var fields: [FieldSpan] = []

    /// Scans `line` (the storage of the previous scan is reused). - Throws: the error and its column.
    mutating func scan(_ line: UnsafeBufferPointer<UInt8>) throws(LineSyntaxError) {
        guard let marker = CEFReader.findMarker(line) else {
            throw LineSyntaxError("no 'CEF:' header (expected 'CEF:Version|Vendor|Product|Version|ID|Name|Severity|')", at: 0)
        }
        self.marker = marker
        header.removeAll(keepingCapacity: true)
        headerEscapes = 0
        fields.removeAll(keepingCapacity: true)
        var index = marker + 4
        while header.count < 7 {
            let start = index
            while index < line.count, line[index] != Bytes.pipe {
                if line[index] == Bytes.backslash, index + 1 < line.count {
                    headerEscapes |= 1 << header.count
                    index += 1
                }
                index += 1
            }
            if header.count == 6 { severityColumn = start }
            if index == line.count && header.count < 6 {
                throw LineSyntaxError(
                    "CEF header has \(header.count + 1) of 7 fields (Version|Device Vendor|Device Product|Device Version|"
                        + "Signature ID|Name|Severity|); expected '|'", at: index)
            }
            header.append(start..<index)
            if index < line.count { index += 1 }
        }
        let versionField = headerText(0, line)
        let versionText = versionField.trimmingSpaces
        guard let dot = versionText.firstIndex(of: ".") ?? Optional(versionText.endIndex),
            let version = Int(versionText[..<dot]), version >= 0, version < 100
        else {
            throw LineSyntaxError("CEF version '\(versionField.prefix(20))' is not a number", at: marker + 4)
        }
        self.version = version
        extensionColumn = index
        try ExtensionScanner.scan(line, index..<line.count, escapes: true) { key, value in
            fields.append(FieldSpan(key: key, value: value))
        }
    }

    /// Header field `index` as text, `\|` and `\\` unescaped.
    func headerText(_ index: Int, _ line: UnsafeBufferPointer<UInt8>) -> String {
        headerEscapes & (1 << index) != 0
            ? CEFReader.unescapeHeader(line, header[index]) : Bytes.string(line, header[index])
    }

    /// The severity header field without its surrounding spaces.
    func severityText(_ line: UnsafeBufferPointer<UInt8>) -> String { headerText(6, line).trimmingSpaces }

    func key(_ index: Int, _ line: UnsafeBufferPointer<UInt8>) -> String { Bytes.string(line, fields[index].key) }

    /// Extension value `index`, unescaped.
    func value(_ index: Int, _ line: UnsafeBufferPointer<UInt8>) -> String {
        CEFReader.unescapeValue(line, fields[index].value)
    }

    /// The value of the first extension pair named exactly `name`, unescaped.
    func value(named name: String, _ line: UnsafeBufferPointer<UInt8>) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            fields.firstIndex {
                $0.key.count == wanted.count && memoryEqual(line, $0.key.lowerBound, wanted, 0, count: wanted.count)
            }
            .map { value($0, line) }
        }
    }
}

/// Reads CEF lines from bytes.
enum CEFReader {
    /// Parses `line` into a decoded record (every field as text); errors carry the column.
    static func read(_ line: UnsafeBufferPointer<UInt8>, year: Int?) throws(LineSyntaxError) -> CEFRecord {
        var layout = CEFLayout()
        try layout.scan(line)
        return record(layout, line, year: year)
    }

    /// The decoded record of a scanned line.
    static func record(_ layout: CEFLayout, _ line: UnsafeBufferPointer<UInt8>, year: Int?) -> CEFRecord {
        let event = CEFEvent(
            version: layout.version, deviceVendor: layout.headerText(1, line), deviceProduct: layout.headerText(2, line),
            deviceVersion: layout.headerText(3, line), signatureID: layout.headerText(4, line),
            name: layout.headerText(5, line), severity: layout.severityText(line),
            extensions: layout.fields.indices.map { EventField(layout.key($0, line), layout.value($0, line)) })
        return CEFRecord(
            syslogHeader: syslogHeader(layout, line, year: year), event: event, severityColumn: layout.severityColumn,
            extensionColumn: layout.extensionColumn)
    }

    /// The syslog header before `CEF:`, if there is one. A header that is not syslog is tolerated: relays prepend
    /// all sorts of things.
    static func syslogHeader(_ layout: CEFLayout, _ line: UnsafeBufferPointer<UInt8>, year: Int?) -> SyslogMessage? {
        guard layout.marker > 0 else { return nil }
        return try? SyslogMessage.parseHeader(UnsafeBufferPointer(rebasing: line[0..<layout.marker]), year: year)
    }

    /// The offset of the first `CEF:` followed by a digit or space, else of the first `CEF:`, or nil.
    static func findMarker(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var from = 0
        while let found = Bytes.find("CEF:", in: line, from: from, to: line.count) {
            let next = found + 4
            if next < line.count, line[next] &- 0x30 < 10 || line[next] == Bytes.space { return found }
            from = found + 1
        }
        // No version digit after any `CEF:`: take the first, so the error names the bad version.
        return Bytes.find("CEF:", in: line, from: 0, to: line.count)
    }

    /// A header field with `\|` and `\\` unescaped; any other backslash is kept.
    static func unescapeHeader(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = line[index]
            if byte == Bytes.backslash, index + 1 < range.upperBound,
                line[index + 1] == Bytes.pipe || line[index + 1] == Bytes.backslash
            {
                output.append(line[index + 1])
                index += 2
                continue
            }
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// An extension value with `\\`, `\=`, `\n`, `\r` (and the needless `\|`) unescaped; other backslashes are kept.
    static func unescapeValue(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        guard range.contains(where: { line[$0] == Bytes.backslash }) else { return Bytes.string(line, range) }
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = line[index]
            if byte == Bytes.backslash, index + 1 < range.upperBound {
                let next = line[index + 1]
                let replacement: UInt8? =
                    switch next {
                    case Bytes.backslash, Bytes.equals, Bytes.pipe: next
                    case UInt8(ascii: "n"): 0x0A
                    case UInt8(ascii: "r"): 0x0D
                    default: nil
                    }
                if let replacement {
                    output.append(replacement)
                    index += 2
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Splits `key=value key=value with spaces` text, as CEF extensions (and space-separated LEEF) are written.
///
/// A key is the last word before an unescaped `=`: letters, digits, `_`, `.` or `-`, after a space or at the
/// start. A value runs to the space before the next key, so it may hold spaces, and an `=` that does not
/// follow such a word (`request=/a?b=c`) stays in the value. Linear: each byte is looked at at most twice.
enum ExtensionScanner {
    static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, escapes: Bool,
        _ emit: (_ key: Range<Int>, _ value: Range<Int>) -> Void
    ) throws(LineSyntaxError) {
        var first = range.lowerBound
        let end = range.upperBound
        while first < end, bytes[first] == Bytes.space || bytes[first] == Bytes.tab { first += 1 }
        var pendingKey: Range<Int>?
        var valueStart = first
        var index = first
        while index < end {
            // Most of a line is values: skip eight bytes at a time while they hold neither `=` nor a backslash.
            while index + 8 <= end, !mayHoldEqualsOrBackslash(bytes, at: index) { index += 8 }
            guard index < end else { break }
            let byte = bytes[index]
            if byte == Bytes.backslash, escapes {
                index += 2
                continue
            }
            if byte == Bytes.equals {
                var keyStart = index
                while keyStart > valueStart, isKeyByte(bytes[keyStart - 1]) { keyStart -= 1 }
                let atBoundary = keyStart == first || (keyStart > valueStart && bytes[keyStart - 1] == Bytes.space)
                if keyStart < index, atBoundary {
                    if let key = pendingKey {
                        emit(key, valueStart..<trimmedEnd(bytes, from: valueStart, to: keyStart))
                    } else if keyStart != first {
                        throw LineSyntaxError(
                            "text \(Bytes.quoted(bytes, first..<trimmedEnd(bytes, from: first, to: keyStart))) before the first key=value",
                            at: first)
                    }
                    pendingKey = keyStart..<index
                    valueStart = index + 1
                } else if pendingKey == nil {
                    throw LineSyntaxError("expected key=value, found \(Bytes.quoted(bytes, first..<end))", at: first)
                }
            }
            index += 1
        }
        if let key = pendingKey {
            emit(key, valueStart..<trimmedEnd(bytes, from: valueStart, to: end))
        } else if first < end {
            throw LineSyntaxError("expected key=value, found \(Bytes.quoted(bytes, first..<end))", at: first)
        }
    }

    /// True when one of the eight bytes from `index` is `=` or a backslash.
    @inline(__always)
    static func mayHoldEqualsOrBackslash(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
        // A byte of `x` is zero exactly when this leaves its high bit set in the result.
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0 }
        return hasZeroByte(word ^ 0x3D3D_3D3D_3D3D_3D3D) || hasZeroByte(word ^ 0x5C5C_5C5C_5C5C_5C5C)
    }

    @inline(__always)
    static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
    }

    /// `to` moved back over trailing spaces and tabs, not before `from`.
    static func trimmedEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        var end = min(to, bytes.count)
        while end > from, bytes[end - 1] == Bytes.space || bytes[end - 1] == Bytes.tab { end -= 1 }
        return end
    }
}

/// CEF's short key names and their full names (the ArcSight CEF dictionary), for senders that use either.
enum CEFKeys {
    /// The other name of `key`: the full name of a short one, the short name of a full one (`cs1Label` ↔
    /// `deviceCustomString1Label`), or nil.
    static func alias(of key: String) -> String? {
        if let full = fullNames[key] { return full }
        if let short = shortNames[key] { return short }
        if key.hasSuffix("Label"), let base = alias(of: String(key.dropLast(5))) { return base + "Label" }
        return nil
    }

    static let fullNames: [String: String] = {
        var names = [
            "act": "deviceAction", "app": "applicationProtocol", "cat": "deviceEventCategory", "cnt": "baseEventCount",
            "dhost": "destinationHostName", "dmac": "destinationMacAddress", "dntdom": "destinationNtDomain",
            "dpid": "destinationProcessId", "dpriv": "destinationUserPrivileges", "dproc": "destinationProcessName",
            "dpt": "destinationPort", "dst": "destinationAddress", "dtz": "deviceTimeZone", "duid": "destinationUserId",
            "duser": "destinationUserName", "dvc": "deviceAddress", "dvchost": "deviceHostName", "dvcmac": "deviceMacAddress",
            "dvcpid": "deviceProcessId", "end": "endTime", "fname": "fileName", "fsize": "fileSize", "in": "bytesIn",
            "msg": "message", "out": "bytesOut", "outcome": "eventOutcome", "proto": "transportProtocol",
            "request": "requestUrl", "rt": "deviceReceiptTime", "shost": "sourceHostName", "smac": "sourceMacAddress",
            "sntdom": "sourceNtDomain", "spid": "sourceProcessId", "spriv": "sourceUserPrivileges",
            "sproc": "sourceProcessName", "spt": "sourcePort", "src": "sourceAddress", "start": "startTime",
            "suid": "sourceUserId", "suser": "sourceUserName", "dlat": "destinationGeoLatitude",
            "dlong": "destinationGeoLongitude", "slat": "sourceGeoLatitude", "slong": "sourceGeoLongitude",
            "deviceDirection": "deviceDirection", "type": "type",
        ]
        for index in 1...6 { names["cs\(index)"] = "deviceCustomString\(index)" }
        for index in 1...3 { names["cn\(index)"] = "deviceCustomNumber\(index)" }
        for index in 1...4 {
            names["cfp\(index)"] = "deviceCustomFloatingPoint\(index)"
            names["c6a\(index)"] = "deviceCustomIPv6Address\(index)"
        }
        return names.filter { $0.key != $0.value }
    }()

    static let shortNames: [String: String] = Dictionary(uniqueKeysWithValues: fullNames.map { ($0.value, $0.key) })
}

extension String {
    /// The string without leading and trailing spaces.
    var trimmingSpaces: String {
        guard utf8.first == 0x20 || utf8.last == 0x20 else { return self }
        let bytes = utf8.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
        return String(decoding: Array(bytes), as: UTF8.self)
    }
}
