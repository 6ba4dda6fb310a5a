// The reusable pieces the line parsers lean on for speed. Each must give what the plain code gave.
import RiposteCore
import Testing

@testable import RiposteIngest

@Suite("Line-format support")
struct LineFormatSupportTests {
    @Test("The capacity bound is never below the records handed out, and stops at maxRecords")
    func capacityBound() throws {
        let bodies = ["", "a", "a\n", "a\nb", "\n\n\n", "a\r\nb\r\n\r\nc", "\u{FEFF}a\n \t\nb\n", "a\n\nb\n\n"]
        for text in bodies {
            let body = Array(text.utf8)
            var records = 0
            let capacity = try body.withUnsafeBufferPointer { buffer in
                try LineRecords.forEach(in: buffer, limits: .default) { _, _ in records += 1 }
                return LineRecords.capacity(for: buffer, limits: .default)
            }
            #expect(capacity >= records, "\(text.debugDescription)")
            #expect(capacity == text.utf8.filter { $0 == 0x0A }.count + 1, "\(text.debugDescription)")
        }
        let capped = Array("a\nb\nc\nd\n".utf8).withUnsafeBufferPointer {
            LineRecords.capacity(for: $0, limits: IngestLimits(maxRecords: 2))
        }
        #expect(capped == 2)
    }
}
