// Finds where each object of a STIX bundle starts and ends without building the whole document, so the importer
// parses, imports and frees one object at a time: a 125 MiB feed never becomes one 500 MiB JSON tree, and each
// object's allocations are reused by the next while they are still in cache.
import RiposteCore

/// The top level of a STIX input, scanned but not parsed.
struct STIXObjectExtents {
    /// Byte ranges of the objects, in order.
    var objects: [Range<Int>]

    /// The extents of `{"type": "bundle", "objects": [...]}`, of a TAXII envelope `{"objects": [...]}` or of a JSON
    /// array of objects; every byte outside the objects is checked (members other than `objects` are parsed), so
    /// the document is valid JSON exactly when each object is.
    ///
    /// Returns nil for anything else — one STIX object, no `objects` array, malformed JSON around the objects —
    /// and the caller parses the input whole, which gives the precise error.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard let first = scanner.peek() else { return nil }
        var objects: [Range<Int>]?
        if first == UInt8(ascii: "[") {
            objects = scanner.elements()
        } else if first == UInt8(ascii: "{") {
            objects = scanner.bundleObjects()
        }
        scanner.skipWhitespace()
        guard let objects, scanner.index == bytes.count else { return nil }
        self.objects = objects
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        /// The members of the top-level object: `objects` gives the extents, the rest must parse, `type` must be
        /// `bundle` when present.
        mutating func bundleObjects() -> [Range<Int>]? {
            index += 1
            skipWhitespace()
            var objects: [Range<Int>]?
            if consume(UInt8(ascii: "}")) { return nil }
            while true {
                let keyStart = index
                guard peek() == UInt8(ascii: "\""), let keyEnd = valueEnd() else { return nil }
                let key = UnsafeBufferPointer(rebasing: bytes[keyStart..<keyEnd])
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                let valueStart = index
                if objects == nil, key.elementsEqual("\"objects\"".utf8), peek() == UInt8(ascii: "[") {
                    guard let elements = elements() else { return nil }
                    objects = elements
                } else {
                    guard let end = valueEnd(),
                        let value = try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[valueStart..<end]))
                    else { return nil }
                    if key.elementsEqual("\"type\"".utf8), value != .string("bundle") { return nil }
                }
                skipWhitespace()
                if consume(UInt8(ascii: "}")) { return objects }
                guard consume(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
        }

        /// The extents of the array's elements, each of which must be an object; the index ends after `]`.
        mutating func elements() -> [Range<Int>]? {
            index += 1
            skipWhitespace()
            var ranges: [Range<Int>] = []
            if consume(UInt8(ascii: "]")) { return ranges }
            while true {
                let start = index
                guard let end = valueEnd() else { return nil }
                ranges.append(start..<end)
                skipWhitespace()
                if consume(UInt8(ascii: "]")) { return ranges }
                guard consume(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
        }

        /// Moves past one value — a string, a balanced `{…}`/`[…]` or a scalar — without checking its grammar
        /// (the JSON parser does that later) and returns its end; nil when it does not end.
        mutating func valueEnd() -> Int? {
            guard let first = peek() else { return nil }
            switch first {
            case UInt8(ascii: "\""):
                return skipString() ? index : nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return nil }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return index
                        }
                    default: break
                    }
                    index += 1
                }
                return nil
            default:
                while let byte = peek(), byte != UInt8(ascii: ","), byte != UInt8(ascii: "]"), byte != UInt8(ascii: "}"),
                    byte != 0x20, byte != 0x0A, byte != 0x0D, byte != 0x09
                {
                    index += 1
                }
                return index
            }
        }

        /// Moves past a string from its opening quote; false when it does not close.
        mutating func skipString() -> Bool {
            index += 1
            while index < bytes.count {
                index = ByteScan.firstStringSpecial(bytes, from: index, to: bytes.count)
                guard index < bytes.count else { return false }
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                case UInt8(ascii: "\\"): index += 2
                default: index += 1
                }
            }
            return false
        }
    }
}
