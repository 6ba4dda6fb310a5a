// Grouping fingerprints: alerts with the same rule and key entities belong to the same incident.

/// A field an alert's grouping fingerprint is made of.
public enum FingerprintField: String, Sendable, CaseIterable, Hashable {
    case source, rule, sourceIP = "src_ip", destinationIP = "dst_ip", host, user, title
}

/// Computes grouping fingerprints from a configured field list.
public struct Fingerprinter: Hashable, Sendable {
    /// The fields that make up the fingerprint, in order.
    public var fields: [FingerprintField]

    /// The default: same source, same rule, same source and destination address, host and user.
    public static let `default` = Fingerprinter(fields: [.source, .rule, .sourceIP, .destinationIP, .host, .user])

    public init(fields: [FingerprintField]) { self.fields = fields }

    /// Parses a comma-separated field list (`rule,src_ip`). - Throws: `.invalid` naming the bad field.
    public init(parsing list: String) throws {
        var fields: [FingerprintField] = []
        for name in list.split(separator: ",") {
            let trimmed = name.trimmingWhitespace()
            guard let field = FingerprintField(rawValue: String(trimmed)) else {
                let known = FingerprintField.allCases.map(\.rawValue).joined(separator: ", ")
                throw RiposteError.invalid("unknown fingerprint field '\(trimmed)'; known: \(known)")
            }
            fields.append(field)
        }
        guard !fields.isEmpty else { throw RiposteError.invalid("fingerprint field list is empty") }
        self.fields = fields
    }

    /// 32 hex characters (two FNV-1a 64-bit hashes) over the chosen fields; a rule-less alert
    /// falls back to its title so that unrelated alerts do not collapse into one incident.
    /// A non-empty `namespace` (a grouping rule's id) keeps the keys of different rules apart.
    public func fingerprint(of draft: AlertDraft, namespace: String = "") -> String {
        var key = namespace.isEmpty ? "" : namespace + "\u{1E}"
        for field in fields {
            switch field {
            case .source: key += draft.source
            case .rule: key += draft.rule.uid ?? draft.rule.name ?? "title:" + draft.title
            case .sourceIP: key += draft.sourceEndpoint.ip ?? ""
            case .destinationIP: key += draft.destinationEndpoint.ip ?? ""
            case .host: key += draft.hostName ?? ""
            case .user: key += draft.userName ?? ""
            case .title: key += draft.title
            }
            key += "\u{1F}"
        }
        return hex(fnv1a(key.utf8, seed: 0xcbf2_9ce4_8422_2325)) + hex(fnv1a(key.utf8, seed: 0x8422_2325_cbf2_9ce4))
    }

    private func fnv1a(_ bytes: String.UTF8View, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    private func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
