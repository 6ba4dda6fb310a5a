// Small helpers the parsers share: typed reads from JSONValue and an ordered, deduplicating observable list.
import RiposteCore
import RiposteRuntime

extension JSONValue {
    /// The members of an object, or nil.
    var objectMembers: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// An integral number within ±2^53, or a string of decimal digits (some shippers quote numbers).
    var integerValue: Int? {
        switch self {
        case .number(let value):
            guard value.rounded() == value, abs(value) <= 9_007_199_254_740_992 else { return nil }
            return Int(value)
        case .string(let text):
            guard !text.isEmpty, text.utf8.count <= 18 else { return nil }
            return Int(text)
        default:
            return nil
        }
    }

    /// The first member named `key` of an object, like `self[key]` but comparing lengths first,
    /// which makes the many lookups of a mapping several times cheaper.
    func field(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        let count = key.utf8.count
        return members.withUnsafeBufferPointer { buffer in
            for index in buffer.indices where buffer[index].0.utf8.count == count && buffer[index].0 == key {
                return buffer[index].1
            }
            return nil
        }
    }

    /// A non-empty string, or nil.
    var nonEmptyString: String? {
        guard case .string(let text) = self, !text.isEmpty else { return nil }
        return text
    }
}

/// Collects observables in first-seen order, dropping invalid values and repeats.
struct ObservableCollector {
    private(set) var drafts: [ObservableDraft] = []
    /// Built only past a handful of drafts: a linear scan is cheaper for the few most alerts have.
    private var seen: Set<ObservableDraft>?

    mutating func add(_ draft: ObservableDraft?) {
        guard let draft else { return }
        if seen == nil {
            guard !drafts.contains(draft) else { return }
            drafts.append(draft)
            if drafts.count > 16 { seen = Set(drafts) }
        } else if seen!.insert(draft).inserted {
            drafts.append(draft)
        }
    }

    mutating func add(contentsOf drafts: [ObservableDraft]) {
        for draft in drafts { add(draft) }
    }

    /// The drafts in an array of their own, sized to fit; then empties the collector, keeping its storage. A line
    /// parser reuses one collector for every line of a body, so each draft's list costs one allocation, not one per
    /// growth step.
    mutating func takeDrafts() -> [ObservableDraft] {
        defer {
            drafts.removeAll(keepingCapacity: true)
            seen = nil
        }
        guard !drafts.isEmpty else { return [] }
        return [ObservableDraft](unsafeUninitializedCapacity: drafts.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: drafts)
        }
    }

    /// Adds `raw` as `type` when it is a valid value of that type.
    mutating func add(_ type: ObservableType, _ raw: String?) {
        guard let raw else { return }
        add(ObservableDraft(type, raw))
    }

    /// Adds a parsed IP address.
    mutating func add(_ address: ParsedIP?) {
        guard let address else { return }
        add(address.draft)
    }

    /// Adds a host as an IP, else a domain, else a single-label host name.
    mutating func addHost(_ raw: String?) {
        guard let raw else { return }
        if let lower = CanonicalText.lowercasedHostName(raw) {
            // Plain host-name text: the same decision as below, without the normalizer's string work.
            let bytes = lower.utf8
            if bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) {
                add(IPAddress(lower) != nil ? .ipv4 : .hostname, canonical: lower)
            } else if let dot = bytes.lastIndex(of: UInt8(ascii: ".")) {
                let tld = lower.utf8[bytes.index(after: dot)...]
                let isDomain = tld.count >= 2 && (tld.starts(with: "xn--".utf8) || tld.allSatisfy { $0 >= 0x61 && $0 <= 0x7A })
                add(isDomain ? .domain : .hostname, canonical: lower)
            } else {
                add(.hostname, canonical: lower)
            }
        } else if let address = IPAddress(raw) {
            switch address {
            case .v4: add(.ipv4, raw)
            case .v6: add(.ipv6, raw)
            }
        } else if let domain = ObservableDraft(.domain, raw) {
            add(domain)
        } else {
            add(.hostname, raw)
        }
    }

    /// Adds a value already in canonical form.
    private mutating func add(_ type: ObservableType, canonical value: String) {
        add(ObservableDraft(type: type, normalizedValue: value))
    }
}

/// An IP address field's address and canonical text, computed once.
struct ParsedIP {
    var address: IPAddress
    var text: String

    var draft: ObservableDraft {
        if case .v4 = address { return ObservableDraft(type: .ipv4, normalizedValue: text) }
        return ObservableDraft(type: .ipv6, normalizedValue: text)
    }
}

/// An IP address field, or an `.invalid` error naming the field.
func ipAddress(_ value: JSONValue?, field: String) throws -> ParsedIP? {
    guard let value, value != .null else { return nil }
    guard let text = value.stringValue, let address = IPAddress(text) else {
        throw RiposteError.invalid("\(field) \(quoted(value)) is not an IP address")
    }
    // IPAddress accepts only dotted quads without leading zeros, which are already canonical.
    if case .v4 = address { return ParsedIP(address: address, text: text) }
    return ParsedIP(address: address, text: address.description)
}

/// A port field (0–65535), or an `.invalid` error naming the field.
func port(_ value: JSONValue?, field: String) throws -> Int? {
    guard let value, value != .null else { return nil }
    guard let port = value.integerValue, (0...65_535).contains(port) else {
        throw RiposteError.invalid("\(field) \(quoted(value)) is not a port number (0-65535)")
    }
    return port
}

/// A short rendering of a JSON value for error messages: `'text'`, `42`, `an object`.
func quoted(_ value: JSONValue) -> String {
    switch value {
    case .string(let text):
        let shown = text.unicodeScalars.count > 64 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(64))) + "…" : text
        return "'\(shown)'"
    case .number, .bool: return value.scalarText ?? "a number"
    case .null: return "null"
    case .array: return "an array"
    case .object: return "an object"
    }
}

/// SHA-256 of `bytes` as lowercase hex, for source refs derived from a record's exact bytes.
func sha256Hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBufferPointer { Crypto.sha256Hex(prefix: "", $0) } }

/// `sha256:` and the SHA-256 of `bytes` as lowercase hex: the source ref of a record without an id of its own.
func sha256SourceRef(_ bytes: [UInt8]) -> String { bytes.withUnsafeBufferPointer { Crypto.sha256Hex(prefix: "sha256:", $0) } }

/// The same source ref through `hasher`, for a parser that hashes every line of a body.
func sha256SourceRef(_ bytes: UnsafeBufferPointer<UInt8>, hasher: Crypto.SHA256Hasher) -> String {
    hasher.hex(prefix: "sha256:", bytes)
}

/// Byte-level checks for text that is already in ObservableNormalizer's canonical form, so hot
/// paths can skip its string work. Anything these reject still goes through the normalizer.
enum CanonicalText {
    /// `host` in lowercase when it is a plain DNS or host name (labels of letters, digits, `-`, `_`,
    /// none empty, none starting or ending with `-`, at most 253 bytes), else nil.
    static func lowercasedHostName(_ host: String) -> String? {
        var text = host
        return text.withUTF8 { bytes in
            guard isHostName(bytes) else { return nil }
            // Most names are lowercase already: the same string then, not a copy.
            guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return host }
            return String(unsafeUninitializedCapacity: bytes.count) { out in
                for index in bytes.indices {
                    out[index] = bytes[index] >= 0x41 && bytes[index] <= 0x5A ? bytes[index] | 0x20 : bytes[index]
                }
                return bytes.count
            }
        }
    }

    /// Whether `bytes` are a plain host name as ``lowercasedHostName(_:)`` accepts one, in either case.
    private static func isHostName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= 253 else { return false }
        var host = HostNameScan()
        for byte in bytes where !host.accept(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) { return false }
        return host.isComplete
    }

    /// `scheme://host[:port]path` in ObservableNormalizer's canonical form, when `host` is a plain
    /// host name and `path` starts with `/` and has no whitespace or control characters; else nil.
    static func url(scheme: String, host: String, port: Int?, path: String) -> String? {
        guard path.utf8.first == UInt8(ascii: "/"), let lowerHost = lowercasedHostName(host) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scheme.utf8.count + 3 + lowerHost.utf8.count + 6 + path.utf8.count)
        bytes += scheme.utf8
        bytes += "://".utf8
        bytes += lowerHost.utf8
        if let port {
            bytes.append(UInt8(ascii: ":"))
            bytes += String(port).utf8
        }
        for byte in path.utf8 {
            guard byte > 0x20 && byte != 0x7F else { return nil }
            bytes.append(byte)
        }
        guard bytes.count <= 2048 else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
