// RFC 4180 records from validated UTF-8 bytes: quoted fields with doubled quotes and line breaks,
// CRLF or LF endings, comment lines and blank lines reported as such.

struct CSVRecordReader {
    enum Record {
        case blank
        /// A comment line; `content` is what follows the prefix.
        case comment(content: ArraySlice<UInt8>)
        case fields([String])
        /// The record cannot be read; reading resumes on the next line.
        case malformed(reason: String)
    }

    private let bytes: [UInt8]
    private let delimiter: UInt8
    private let commentPrefix: [UInt8]
    private var position = 0
    private var line = 1

    init(_ bytes: [UInt8], delimiter: UInt8, commentPrefix: [UInt8]) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.commentPrefix = commentPrefix
    }

    /// The fields of one line of text (a comment's content), or nil if it is not a well-formed record.
    static func fields(of text: ArraySlice<UInt8>, delimiter: UInt8) -> [String]? {
        var reader = CSVRecordReader(Array(text), delimiter: delimiter, commentPrefix: [])
        if case .fields(let fields)? = reader.next()?.record { return fields }
        return nil
    }

    /// The next record and the line it starts on, or nil at the end.
    mutating func next() -> (line: Int, record: Record)? {
        guard position < bytes.count else { return nil }
        let startLine = line
        let lineEnd = endOfLine(from: position)
        if !commentPrefix.isEmpty, bytes[position..<lineEnd].starts(with: commentPrefix) {
            let content = bytes[(position + commentPrefix.count)..<lineEnd]
            skipLine(lineEnd)
            return (startLine, .comment(content: content))
        }
        if bytes[position..<lineEnd].allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            skipLine(lineEnd)
            return (startLine, .blank)
        }
        var fields: [String] = []
        while true {
            switch readField() {
            case .success(let (field, endsRecord)):
                fields.append(field)
                if endsRecord { return (startLine, .fields(fields)) }
            case .failure(let malformed):
                skipLine(endOfLine(from: position))
                return (startLine, .malformed(reason: malformed.reason))
            }
        }
    }

    private struct Malformed: Error {
        var reason: String
    }

    /// One field from `position`; true when it ends its record. Leaves `position` after its delimiter or line break.
    private mutating func readField() -> Result<(String, Bool), Malformed> {
        var start = position
        while start < bytes.count && isPadding(bytes[start]) { start += 1 }
        guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else { return .success(readUnquotedField()) }
        var field: [UInt8] = []
        var index = start + 1
        while true {
            guard index < bytes.count else {
                position = bytes.count
                return .failure(Malformed(reason: "unterminated quoted field"))
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                    field.append(byte)
                    index += 2
                    continue
                }
                index += 1
                break
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            field.append(byte)
            index += 1
        }
        while index < bytes.count && isPadding(bytes[index]) { index += 1 }
        position = index
        let text = String(decoding: field, as: UTF8.self)
        if index < bytes.count && bytes[index] == delimiter {
            position = index + 1
            return .success((text, false))
        }
        let lineEnd = endOfLine(from: index)
        guard lineEnd == index else {
            return .failure(Malformed(reason: "unexpected text after a closing quote"))
        }
        skipLine(lineEnd)
        return .success((text, true))
    }

    private mutating func readUnquotedField() -> (String, Bool) {
        let lineEnd = endOfLine(from: position)
        let end = bytes[position..<lineEnd].firstIndex(of: delimiter) ?? lineEnd
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        if end < lineEnd {
            position = end + 1
            return (text, false)
        }
        skipLine(lineEnd)
        return (text, true)
    }

    /// A blank allowed around a quoted field (unless it is the delimiter).
    private func isPadding(_ byte: UInt8) -> Bool {
        (byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")) && byte != delimiter
    }

    /// Where the line containing `index` ends: its `\r\n` or `\n`, or the end of the input.
    private func endOfLine(from index: Int) -> Int {
        guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return bytes.count }
        return newline > index && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
    }

    /// Moves past the line break at `lineEnd` (from `endOfLine`).
    private mutating func skipLine(_ lineEnd: Int) {
        var index = lineEnd
        if index < bytes.count && bytes[index] == UInt8(ascii: "\r") { index += 1 }
        if index < bytes.count && bytes[index] == UInt8(ascii: "\n") {
            index += 1
            line += 1
        }
        position = index
    }
}
