// The reusable pieces the line parsers lean on for speed: the draft-count bound, one-allocation titles, the
// reused observable collector and the date-pattern cache. Each must give what the plain code gave.
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

    @Test("A title joined from three byte ranges equals the interpolated one, multi-byte text included")
    func joinedString() {
        let line = Array("LEEF:1.0|Trend Micro|Déep|2.5|SYSTEM_EVENT|".utf8)
        line.withUnsafeBufferPointer { buffer in
            #expect(Bytes.string(buffer, 9..<20, " ", 21..<26, ": ", 31..<43) == "Trend Micro Déep: SYSTEM_EVENT")
            #expect(Bytes.string(buffer, 9..<9, " ", 9..<9, ": ", 9..<9) == " : ")
        }
    }

    @Test("A reused observable collector hands each record exactly its own drafts")
    func collectorReuse() throws {
        var collector = ObservableCollector()
        collector.add(.ipv4, "10.0.0.1")
        collector.add(.ipv4, "10.0.0.1")
        collector.add(.username, "joe")
        let first = collector.takeDrafts()
        #expect(first == [ObservableDraft(.ipv4, "10.0.0.1")!, ObservableDraft(.username, "joe")!])
        #expect(first.capacity == first.count)
        #expect(collector.takeDrafts().isEmpty)

        // Past the linear scan's limit a set deduplicates; after taking, a repeat of the last record's value is new.
        let many = (1...20).map { ObservableDraft(.ipv4, "10.0.0.\($0)")! }
        collector.add(contentsOf: many + many)
        #expect(collector.takeDrafts() == many)
        collector.add(.ipv4, "10.0.0.1")
        #expect(collector.takeDrafts() == [ObservableDraft(.ipv4, "10.0.0.1")!])
        #expect(first.count == 2)
    }

    @Test("The date-pattern cache compiles what JavaDateFormat compiles, past its capacity and after a rejection")
    func patternCache() {
        var cache = JavaDateFormatCache()
        let patterns = (0..<(JavaDateFormatCache.capacity + 3)).map { "'\($0)'yyyyMMddHHmmss" } + ["yyyy QQ"]
        for round in 0..<2 {
            for pattern in patterns + patterns.reversed() {
                let bytes = Array(pattern.utf8)
                let cached = bytes.withUnsafeBufferPointer { cache.format($0, 0..<$0.count) }
                #expect(cached?.tokens == JavaDateFormat(pattern)?.tokens, "\(pattern), round \(round)")
            }
        }
    }
}
