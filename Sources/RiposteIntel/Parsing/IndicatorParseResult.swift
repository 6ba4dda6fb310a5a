// What parsing a list produced: the indicators, and each line that was not one, with the reason.

import FoundationEssentials
package import RiposteCore

package struct IndicatorParseResult: Sendable, Hashable {
    /// Valid indicators in input order, each value once (a repeat is counted in `duplicateCount`).
    package var indicators: [Indicator] = []
    /// The first `IndicatorParseLimits.maxReportedRejections` rejected lines, in input order.
    package var rejected: [RejectedLine] = []
    /// All rejected lines, reported or not.
    package var rejectedCount = 0
    /// Values that appeared again after their first line.
    package var duplicateCount = 0
    /// CIDRs whose host bits were cleared (`10.1.2.3/8` became `10.0.0.0/8`).
    package var normalizedCount = 0
    /// Values given in defanged form (`hxxp`, `[.]`) and refanged.
    package var refangedCount = 0
    /// Blank and comment lines (and a CSV header).
    package var skippedLineCount = 0

    package init() {}
}

/// A line that held no valid indicator.
package struct RejectedLine: Sendable, Hashable {
    /// 1-based line number in the input (the first line of a multi-line CSV record).
    package var line: Int
    package var reason: String

    package init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

/// Accumulates a parse result, de-duplicating values and capping the rejection details.
struct IndicatorParseCollector {
    private(set) var result = IndicatorParseResult()
    private var seen: Set<IndicatorKey> = []
    private let options: IndicatorImportOptions

    private struct IndicatorKey: Hashable {
        var type: IndicatorType
        var value: String
    }

    init(options: IndicatorImportOptions) {
        self.options = options
    }

    mutating func accept(
        _ value: ClassifiedIndicator, label: String? = nil, confidence: Int? = nil, firstSeen: Date? = nil
    ) {
        guard seen.insert(IndicatorKey(type: value.type, value: value.value)).inserted else {
            result.duplicateCount += 1
            return
        }
        if value.wasRefanged { result.refangedCount += 1 }
        if value.hadHostBits { result.normalizedCount += 1 }
        result.indicators.append(
            Indicator(
                type: value.type, value: value.value, feed: options.feed, confidence: confidence ?? options.confidence,
                label: label ?? options.label, firstSeen: firstSeen ?? options.firstSeen))
    }

    mutating func reject(line: Int, _ reason: String) {
        result.rejectedCount += 1
        if result.rejected.count < options.limits.maxReportedRejections {
            result.rejected.append(RejectedLine(line: line, reason: reason))
        }
    }

    mutating func skipLine() {
        result.skippedLineCount += 1
    }
}
