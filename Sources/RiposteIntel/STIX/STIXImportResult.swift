// What importing a STIX 2.1 bundle produced: indicator records with their lifecycle, index entries, skips, errors.
package import FoundationEssentials
package import RiposteCore

/// Limits on one STIX import; exceeding the size limits fails the import with `.tooLarge`.
package struct STIXImportLimits: Sendable, Hashable {
    /// Bytes of the bundle.
    package var maxBytes: Int
    /// Objects in the bundle.
    package var maxObjects: Int
    /// Per-object errors described in the result; the rest are only counted.
    package var maxReportedErrors: Int
    package var pattern: STIXPatternLimits

    package init(
        maxBytes: Int = 512 << 20, maxObjects: Int = 2_000_000, maxReportedErrors: Int = 1000,
        pattern: STIXPatternLimits = STIXPatternLimits()
    ) {
        self.maxBytes = maxBytes
        self.maxObjects = maxObjects
        self.maxReportedErrors = maxReportedErrors
        self.pattern = pattern
    }
}

/// One STIX `indicator` object as imported.
package struct STIXIndicatorRecord: Sendable, Hashable {
    /// How the indicator is matched.
    package enum Matching: Sendable, Hashable {
        /// Its pattern reduced to index entries.
        case indexed([STIXIndexEntry])
        /// Its pattern is kept for `STIXPatternEvaluator`.
        case evaluated(STIXPattern)
        /// `pattern_type` is not `stix` (pcre, sigma, snort, suricata, yara …): stored, not matched.
        case unsupportedPatternType
    }

    package var id: String
    /// Position of the object in the bundle's `objects` (0-based).
    package var index: Int
    package var name: String?
    package var description: String?
    package var pattern: String
    package var patternType: String
    package var validFrom: Date
    package var validUntil: Date?
    package var revoked: Bool
    /// 0–100 as the object states it.
    package var confidence: Int?
    package var labels: [String]
    package var indicatorTypes: [String]
    /// The most restrictive TLP among `object_marking_refs`.
    package var tlp: TLP?
    package var createdByRef: String?
    /// The name of the `created_by_ref` identity when the bundle holds it.
    package var createdBy: String?
    package var matching: Matching
}

/// One STIX Cyber-observable Object (SCO) as imported: what it is and the observables Riposte can match from it.
package struct STIXObservableRecord: Sendable, Hashable {
    package var id: String
    /// Position of the object in the bundle's `objects` (0-based).
    package var index: Int
    /// The SCO type (`ipv4-addr`, `file`, `process` …).
    package var objectType: String
    /// Normalised observables read from it: an address, domain, URL, email, username or the MD5/SHA-1/SHA-256 of a
    /// file; empty for SCOs Riposte does not extract (`process`, `directory`) and for network (CIDR) addresses.
    package var observables: [ObservableDraft]
}

/// An object that could not be imported; the rest of the bundle still is.
package struct STIXObjectError: Sendable, Hashable, CustomStringConvertible {
    /// Position in the bundle's `objects` (0-based).
    package var index: Int
    /// The object's `id` when it has a readable one.
    package var id: String?
    package var reason: String

    package init(index: Int, id: String?, reason: String) {
        self.index = index
        self.id = id
        self.reason = reason
    }

    package var description: String { "object \(index)\(id.map { " (\($0))" } ?? ""): \(reason)" }
}

/// The outcome of one STIX import.
package struct STIXImportResult: Sendable, Hashable {
    /// Every `indicator` object that imported, in bundle order.
    package var records: [STIXIndicatorRecord] = []
    /// Index entries of the indexed records as Core indicators (lifecycle filled), each type and value once.
    package var indicators: [Indicator] = []
    /// Objects in the input.
    package var objectCount = 0
    /// Every SCO that imported, in bundle order.
    package var observables: [STIXObservableRecord] = []
    /// Known objects that are neither indicators nor SCOs (SDOs, SROs, markings, `x-` custom objects), by `type`.
    package var skippedByType: [String: Int] = [:]
    /// Well-formed objects of a type neither STIX 2.1 nor an extension definition names, by `type`: skipped, and
    /// counted so a caller can warn that the feed carries content it does not understand.
    package var unknownTypes: [String: Int] = [:]
    /// Indicators whose `pattern_type` is not `stix`, by pattern type.
    package var unsupportedPatternTypes: [String: Int] = [:]
    /// Index entries that an earlier indicator of the bundle already gave.
    package var duplicateCount = 0
    /// Patterns left to evaluation that name no object an alert's observables can be (`x509-certificate`,
    /// `process` …): kept in `records`, not stored, since they can never match.
    package var unmatchablePatternCount = 0
    /// The first `STIXImportLimits.maxReportedErrors` errors, in bundle order.
    package var errors: [STIXObjectError] = []
    /// All errors, reported or not.
    package var errorCount = 0

    package init() {}

    /// Indicators of `indicators` that should be matched at `time` (not revoked, inside their validity window).
    package func activeIndicators(at time: Date) -> [Indicator] {
        indicators.filter { $0.isActive(at: time) }
    }

    /// Records whose pattern must be evaluated, with the parsed pattern.
    package var evaluatedPatterns: [(record: STIXIndicatorRecord, pattern: STIXPattern)] {
        records.compactMap { record in
            if case .evaluated(let pattern) = record.matching { return (record, pattern) }
            return nil
        }
    }
}
