// Checks a list before parsing — UTF-8, line count, line length — and walks its lines.
import RiposteCore

enum IndicatorInput {
    /// The input's bytes without a UTF-8 byte order mark.
    ///
    /// - Throws: `RiposteError(.invalid)` naming the byte offset of the first invalid UTF-8 sequence;
    ///   `RiposteError(.tooLarge)` when the input has more lines, or a longer line, than `limits` allow.
    static func validated(_ input: some Collection<UInt8>, limits: IndicatorParseLimits) throws -> [UInt8] {
        var bytes = Array(input)
        try bytes.withUnsafeBufferPointer { bytes in
            if let offset = firstInvalidUTF8Offset(bytes) {
                let hex = String(bytes[offset], radix: 16, uppercase: true)
                throw RiposteError.invalid("input is not UTF-8: invalid byte 0x\(hex) at byte offset \(offset)")
            }
            try checkLines(bytes, limits: limits)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes
    }

    /// Calls `body` with each line's 1-based number and bytes, without the `\n` or `\r\n` ending.
    static func forEachLine(_ bytes: [UInt8], _ body: (_ number: Int, _ line: ArraySlice<UInt8>) throws -> Void)
        rethrows
    {
        var number = 1
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var end = newline
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            try body(number, bytes[start..<end])
            number += 1
            start = newline + 1
        }
    }

    private static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let firstNonASCII = bytes.firstIndex(where: { $0 >= 0x80 }) else { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes[firstNonASCII...].makeIterator()
        var offset = firstNonASCII
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    private static func checkLines(_ bytes: UnsafeBufferPointer<UInt8>, limits: IndicatorParseLimits) throws {
        var lines = 0
        var start = 0
        while start < bytes.count {
            lines += 1
            guard lines <= limits.maxLines else {
                throw RiposteError(.tooLarge, "input has more than \(limits.maxLines) lines")
            }
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var length = newline - start
            if length > 0 && bytes[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
            guard length <= limits.maxLineBytes else {
                throw RiposteError(.tooLarge, "line \(lines) is longer than \(limits.maxLineBytes) bytes")
            }
            start = newline + 1
        }
    }
}
