// HTTPHeaders: an ordered list of header fields with case-insensitive name lookup.

/// An ordered list of HTTP header fields. Names compare case-insensitively (ASCII); order and
/// repeated fields are kept. Lookups scan linearly, which beats hashing for the handful of fields a
/// request carries.
package struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One header field.
    package struct Field: Sendable, Equatable {
        package var name: String
        package var value: String
        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    package private(set) var fields: [Field]

    /// An empty header list.
    package init() { fields = [] }

    /// Headers from fields, in order.
    package init(fields: [Field]) { self.fields = fields }

    /// Headers from `(name, value)` pairs, in order.
    package init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    package init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of fields.
    package var count: Int { fields.count }
    package var isEmpty: Bool { fields.isEmpty }

    package func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value for `name`, or nil. Setting replaces every field named `name` (nil removes them).
    package subscript(name: String) -> String? {
        get {
            for field in fields where Self.namesEqual(field.name, name) { return field.value }
            return nil
        }
        set {
            if let newValue { replaceOrAdd(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    /// Every value for `name`, in order.
    package func values(for name: String) -> [String] {
        fields.filter { Self.namesEqual($0.name, name) }.map(\.value)
    }

    /// True if a field named `name` exists.
    package func contains(_ name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// Appends a field, keeping any existing fields with the same name.
    package mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field named `name` with one field, or appends it.
    package mutating func replaceOrAdd(name: String, value: String) {
        guard let first = fields.firstIndex(where: { Self.namesEqual($0.name, name) }) else {
            fields.append(Field(name: name, value: value))
            return
        }
        fields[first].value = value
        // Drop later duplicates, keeping the first field's position.
        var index = fields.count - 1
        while index > first {
            if Self.namesEqual(fields[index].name, name) { fields.remove(at: index) }
            index -= 1
        }
    }

    /// Adds the field only if no field with that name exists (used by middleware to set defaults
    /// that a handler may override).
    package mutating func addIfAbsent(name: String, value: String) {
        if !contains(name) { fields.append(Field(name: name, value: value)) }
    }

    /// Removes every field named `name`.
    package mutating func remove(name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    package var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// ASCII case-insensitive comparison without allocating.
    package static func namesEqual(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { a in
            rhs.withUTF8 { b in
                guard a.count == b.count else { return false }
                for i in 0..<a.count where a[i] != b[i] {
                    if a[i] | 0x20 != b[i] | 0x20 { return false }
                    let lower = a[i] | 0x20
                    if lower < UInt8(ascii: "a") || lower > UInt8(ascii: "z") { return false }
                }
                return true
            }
        }
    }
}
