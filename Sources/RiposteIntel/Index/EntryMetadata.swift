// What one index row says besides its key — feed, confidence, TLP, label, first seen — packed into 16 bytes.
import FoundationEssentials
import RiposteCore

/// Per-row facts, stored in an array parallel to the sorted keys.
struct EntryMetadata: Sendable {
    /// Unix milliseconds; `Date` is rebuilt from it for a hit.
    var firstSeenMilliseconds: Int64
    /// 0 for none, else 1 + the label's position in the index's label table.
    var labelID: UInt32
    /// Position of the feed name in the index's feed table.
    var feedID: UInt16
    /// 0–100, or `unknownConfidence`.
    var confidence: UInt8
    /// 0 for none, else 1 + the marking's position in `TLP.allCases`.
    var tlp: UInt8

    static let unknownConfidence: UInt8 = .max

    /// Whether `self` should sort before `other` among rows with the same key: by feed, then oldest first,
    /// so de-duplication keeps the earliest sighting per feed.
    func precedes(_ other: EntryMetadata) -> Bool {
        (feedID, firstSeenMilliseconds) < (other.feedID, other.firstSeenMilliseconds)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        // Rounded to the nearest millisecond (dates are kept at millisecond precision), clamped to ±2^53
        // so absurd dates cannot trap the conversion.
        let limit = 9_007_199_254_740_992.0
        return Int64(min(max((date.timeIntervalSince1970 * 1000).rounded(), -limit), limit))
    }

    static func tlp(_ marking: TLP?) -> UInt8 {
        marking.flatMap { TLP.allCases.firstIndex(of: $0) }.map { UInt8($0 + 1) } ?? 0
    }

    var marking: TLP? { tlp == 0 ? nil : TLP.allCases[Int(tlp) - 1] }

    static func confidence(_ value: Int?) -> UInt8 {
        guard let value else { return unknownConfidence }
        return UInt8(min(max(value, 0), 100))
    }
}

/// A key and its metadata, collected by the builder before sorting.
struct StagedRow<Key: Comparable>: Sendable where Key: Sendable {
    var key: Key
    var metadata: EntryMetadata
}
