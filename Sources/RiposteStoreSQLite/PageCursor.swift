// Opaque list cursors: the position after the last item of a page, tagged with the list it belongs to.
import FoundationEssentials
import RiposteCore

/// Encodes and decodes list cursors. Callers must treat them as opaque; the format may change.
enum PageCursor {
    enum Kind: String {
        /// Position: the incident `number` of the last item (the list runs newest first).
        case incidents = "i1"
        /// Position: the `rowid` of the last indicator.
        case indicators = "d1"
    }

    static func encode(_ position: Int64, kind: Kind) -> String {
        let text = "\(kind.rawValue):\(position)"
        let base64 = Data(text.utf8).base64EncodedString()
        return String(base64.compactMap { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 })
    }

    /// - Throws: `.invalid` for anything `encode` did not produce for this kind.
    static func decode(_ cursor: String, kind: Kind) throws -> Int64 {
        let invalid = RiposteError.invalid("the cursor is not valid")
        guard cursor.utf8.count <= 64,
            cursor.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
            })
        else { throw invalid }
        var base64 = String(cursor.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { throw invalid }
        let prefix = kind.rawValue + ":"
        guard text.hasPrefix(prefix), let position = Int64(text.dropFirst(prefix.count)), position > 0 else {
            throw invalid
        }
        return position
    }
}
