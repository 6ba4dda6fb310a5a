// Which MISP attribute types are indicators here, and which part of a composite (`a|b`) value holds what.
import RiposteCore

/// The indicator parts of one MISP attribute type.
struct MISPAttributeMapping {
    /// What one part of the (possibly `|`-composite) value is.
    enum Part {
        case address, domain, url, email, md5, sha1, sha256
        /// A part that is context, not an indicator (`filename`, `port`).
        case ignored
    }

    let parts: [Part]

    /// Nil for types that are not indicators here (`link`, `filename`, `regkey`, `yara`, `ssdeep` …).
    init?(type: String) {
        switch type {
        case "ip-src", "ip-dst": parts = [.address]
        case "ip-src|port", "ip-dst|port": parts = [.address, .ignored]
        case "domain", "hostname": parts = [.domain]
        case "hostname|port": parts = [.domain, .ignored]
        case "domain|ip": parts = [.domain, .address]
        case "url": parts = [.url]
        case "email", "email-src", "email-dst": parts = [.email]
        case "md5": parts = [.md5]
        case "sha1": parts = [.sha1]
        case "sha256": parts = [.sha256]
        case "filename|md5", "malware-sample": parts = [.ignored, .md5]
        case "filename|sha1": parts = [.ignored, .sha1]
        case "filename|sha256": parts = [.ignored, .sha256]
        default: return nil
        }
    }

    /// The index entries in `value`. - Throws: when the value has the wrong number of parts or a part is invalid.
    func entries(_ value: String) throws(ObjectImportIssue) -> [STIXIndexEntry] {
        let values: [Substring]
        if parts.count == 1 {
            values = [Substring(value)]
        } else {
            guard let bar = value.firstIndex(of: "|") else {
                throw ObjectImportIssue(reason: "composite value \(IndicatorClassifier.quoted(value)) has no '|'")
            }
            values = [value[..<bar], value[value.index(after: bar)...]]
        }
        var entries: [STIXIndexEntry] = []
        for (part, text) in zip(parts, values) {
            let path: STIXIndexablePath
            switch part {
            case .ignored: continue
            case .address:
                let raw = String(text.strippingWhitespace())
                guard let (type, normalized) = STIXIndexablePath.address(raw, v6: raw.contains(":")) else {
                    throw ObjectImportIssue(reason: "\(IndicatorClassifier.quoted(raw)) is not a valid IP address or CIDR")
                }
                entries.append(STIXIndexEntry(type: type, value: normalized))
                continue
            case .domain: path = .domain
            case .url: path = .url
            case .email: path = .email
            case .md5: path = .md5
            case .sha1: path = .sha1
            case .sha256: path = .sha256
            }
            do {
                entries.append(try path.entry(String(text.strippingWhitespace())))
            } catch {
                throw ObjectImportIssue(reason: error.reason)
            }
        }
        return entries
    }
}
