// Severity, aligned with OCSF `severity_id` (0 unknown … 5 critical).

/// How bad a finding is, as OCSF numbers it.
public enum Severity: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case unknown = 0, informational = 1, low = 2, medium = 3, high = 4, critical = 5

    /// The wire name (`high`).
    public var name: String {
        switch self {
        case .unknown: "unknown"
        case .informational: "informational"
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .critical: "critical"
        }
    }

    /// Parses a wire name, case-insensitively; `info` is accepted for `informational`.
    public init?(name: some StringProtocol) {
        switch name.lowercased() {
        case "unknown": self = .unknown
        case "informational", "info": self = .informational
        case "low": self = .low
        case "medium": self = .medium
        case "high": self = .high
        case "critical": self = .critical
        default: return nil
        }
    }

    public var description: String { name }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
}
