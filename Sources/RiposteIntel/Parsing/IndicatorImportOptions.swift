// What one import applies to every indicator (feed, defaults) and the limits that guard the parser.
package import FoundationEssentials
import RiposteCore

/// Limits on one list; exceeding one fails the whole import with `.tooLarge` rather than truncating it.
package struct IndicatorParseLimits: Sendable, Hashable {
    /// Physical lines in the input.
    package var maxLines: Int
    /// Bytes in one physical line, without its line break.
    package var maxLineBytes: Int
    /// Rejected lines described in the result; the rest are only counted (`rejectedCount`).
    package var maxReportedRejections: Int

    package init(maxLines: Int = 1_000_000, maxLineBytes: Int = 8192, maxReportedRejections: Int = 1000) {
        self.maxLines = maxLines
        self.maxLineBytes = maxLineBytes
        self.maxReportedRejections = maxReportedRejections
    }
}

/// The feed and the defaults a list's indicators get when the list says nothing else.
package struct IndicatorImportOptions: Sendable, Hashable {
    package let feed: String
    /// Label of every indicator unless a CSV label column gives one.
    package let label: String?
    /// Confidence (0–100) of every indicator unless a CSV confidence column gives one.
    package let confidence: Int?
    /// First-seen time of every indicator (normally now) unless a CSV first-seen column gives one.
    package let firstSeen: Date
    package let limits: IndicatorParseLimits

    /// - Throws: `RiposteError(.invalid)` for a bad feed name (see `FeedName.validate`), a label
    ///   longer than 128 characters, or a confidence outside 0–100.
    package init(
        feed: String, label: String? = nil, confidence: Int? = nil, firstSeen: Date,
        limits: IndicatorParseLimits = IndicatorParseLimits()
    ) throws {
        try FeedName.validate(feed)
        if let label, label.isEmpty || label.count > 128 {
            throw RiposteError.invalid("label must be 1–128 characters")
        }
        if let confidence, !(0...100).contains(confidence) {
            throw RiposteError.invalid("confidence must be 0–100, not \(confidence)")
        }
        self.feed = feed
        self.label = label
        self.confidence = confidence
        self.firstSeen = firstSeen
        self.limits = limits
    }
}

/// The rule for feed names: 1–64 characters from `A–Z a–z 0–9 . _ -`.
package enum FeedName {
    /// - Throws: `RiposteError(.invalid)` naming the rule.
    package static func validate(_ name: String) throws {
        let isAllowed: (UInt8) -> Bool = {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
        guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy(isAllowed) else {
            throw RiposteError.invalid("feed name must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-'")
        }
    }
}
