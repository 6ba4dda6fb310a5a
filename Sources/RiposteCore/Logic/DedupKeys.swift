// Per-source dedup keys: which alert fields identify a repeat when the payload carries no id of its own.
import FoundationEssentials

/// For each configured source, the fields whose values make an alert's `sourceRef` when the parser
/// had no id to use.
///
/// Parsers take the sender's id when the payload has one (Suricata flow and transaction, CEF
/// `externalId`, Splunk `event_id`, a mapping's `source_ref`) and otherwise fall back to a
/// `sha256:` ref over the record (or over a mapping's `source_ref.hash` paths). Only such fallback
/// refs are replaced, by `key:` and the fields' texts joined by U+001F; a source with a real id is
/// never re-keyed. A key longer than ``maximumKeyBytes`` keeps the parser's ref.
public struct DedupKeys: Hashable, Sendable {
    /// A field of a dedup key: an alert field, or the event time (RFC 3339, milliseconds).
    public enum Field: Hashable, Sendable {
        case alert(AlertField)
        case time

        public var name: String {
            switch self {
            case .alert(let field): field.rawValue
            case .time: "time"
            }
        }
    }

    public var fieldsBySource: [String: [Field]]

    /// The longest key kept, in bytes.
    public static let maximumKeyBytes = 1024

    public init(_ fieldsBySource: [String: [Field]] = [:]) { self.fieldsBySource = fieldsBySource }

    /// Parses `source=field,field;source=field` (`cef=rule_uid,src_ip,time`).
    /// - Throws: `.invalid` naming the entry and the bad part.
    public init(parsing text: String) throws {
        var fieldsBySource: [String: [Field]] = [:]
        for (index, entry) in text.split(separator: ";").enumerated() {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let source = parts.first.map { String($0.trimmingWhitespace()) } ?? ""
            guard parts.count == 2, !source.isEmpty else {
                throw RiposteError.invalid("dedup key \(index + 1) '\(entry)' must be source=field,field")
            }
            guard fieldsBySource[source] == nil else {
                throw RiposteError.invalid("dedup key \(index + 1): source '\(source)' appears twice")
            }
            var fields: [Field] = []
            for name in parts[1].split(separator: ",") {
                let trimmed = String(name.trimmingWhitespace())
                if trimmed == "time" {
                    fields.append(.time)
                } else if let field = AlertField(rawValue: trimmed) {
                    fields.append(.alert(field))
                } else {
                    let known = (AlertField.allCases.map(\.rawValue) + ["time"]).joined(separator: ", ")
                    throw RiposteError.invalid("dedup key \(index + 1) (\(source)): unknown field '\(trimmed)'; known: \(known)")
                }
            }
            guard !fields.isEmpty else { throw RiposteError.invalid("dedup key \(index + 1) (\(source)) lists no fields") }
            fieldsBySource[source] = fields
        }
        self.fieldsBySource = fieldsBySource
    }

    /// The ref `draft` should be stored under: its own unless its source has a key and the parser fell back to a hash.
    public func sourceRef(for draft: AlertDraft) -> String {
        guard let fields = fieldsBySource[draft.source], draft.sourceRef.hasPrefix("sha256:") else { return draft.sourceRef }
        var key = "key:"
        for (index, field) in fields.enumerated() {
            if index > 0 { key += "\u{1F}" }
            switch field {
            case .alert(let field): key += field.value(in: draft) ?? ""
            case .time: key += draft.time.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded(.down))) } ?? ""
            }
        }
        return key.utf8.count <= Self.maximumKeyBytes ? key : draft.sourceRef
    }
}
