// Dotted field paths with array indexes (`a.b[0].c`, `files[*].sha256`) resolved against decoded JSON records.
import Glibc
package import RiposteCore

/// A path into a JSON record, as mappings and the ECS-based parsers name fields.
///
/// Syntax: keys separated by `.`, each optionally followed by `[n]` (the n-th element, 0-based) or
/// `[*]` (every element): `event.severity`, `alerts[0].name`, `files[*].hashes.sha256`. A key is
/// any run of characters other than `.`, `[` and `]`.
///
/// Resolution treats dotted-flat and nested documents alike, as Elasticsearch does: at each object
/// the first member (in document order) whose key equals the next one or more keys joined by `.`
/// is taken, so `kibana.alert.rule.name` finds `{"kibana.alert.rule.name": …}`,
/// `{"kibana": {"alert": {"rule": {"name": …}}}}` and any mix. There is no backtracking, so a
/// lookup visits each object once per path component: linear in the record. An array met where a
/// key is expected is searched element by element, so `threat.indicator.ip` reaches into arrays.
package struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    enum Component: Sendable, Hashable {
        /// The keys of components `start..<end` joined by dots, and the byte lengths at which a
        /// member key may stop (each dot and the end), so one member may consume several keys.
        case keys(joined: [UInt8], stops: [Int])
        case index(Int)
        case all
    }

    /// The path as written.
    package let text: String
    /// The steps; each `.keys` holds a run of keys (split at the run's stops while resolving).
    let components: [Component]

    /// The most components a path may have.
    package static let maxComponents = 32

    /// Parses `text`. - Throws: `.invalid` naming the byte offset of the problem.
    package init(_ text: String) throws {
        self.text = text
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 512 else {
            throw RiposteError.invalid("path '\(text)' must be 1-512 bytes")
        }
        var components: [Component] = []
        var run: [UInt8] = []
        var stops: [Int] = []
        var steps = 0
        var index = 0
        func flushRun() {
            guard !run.isEmpty else { return }
            stops.append(run.count)
            components.append(.keys(joined: run, stops: stops))
            run.removeAll()
            stops.removeAll()
        }
        while index < bytes.count {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "."), bytes[index] != UInt8(ascii: "["),
                bytes[index] != UInt8(ascii: "]")
            {
                index += 1
            }
            guard index > start else {
                throw RiposteError.invalid("path '\(text)' has an empty key at byte \(start)")
            }
            if !run.isEmpty {
                stops.append(run.count)
                run.append(UInt8(ascii: "."))
            }
            run += bytes[start..<index]
            steps += 1
            while index < bytes.count, bytes[index] == UInt8(ascii: "[") {
                flushRun()
                let open = index
                index += 1
                let digitsStart = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "]") { index += 1 }
                guard index < bytes.count else {
                    throw RiposteError.invalid("path '\(text)' has an unclosed '[' at byte \(open)")
                }
                let inside = bytes[digitsStart..<index]
                if inside.elementsEqual("*".utf8) {
                    components.append(.all)
                    steps += 1
                } else if !inside.isEmpty, inside.count <= 6, inside.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                    let number = Int(String(decoding: inside, as: UTF8.self))
                {
                    components.append(.index(number))
                    steps += 1
                } else {
                    throw RiposteError.invalid(
                        "path '\(text)' has an invalid index at byte \(open); expected [n] (0-999999) or [*]")
                }
                index += 1
            }
            guard index < bytes.count else { break }
            guard bytes[index] == UInt8(ascii: ".") else {
                throw RiposteError.invalid(
                    "path '\(text)' has an unexpected '\(Character(Unicode.Scalar(bytes[index])))' at byte \(index)")
            }
            index += 1
            guard index < bytes.count else {
                throw RiposteError.invalid("path '\(text)' ends with '.' at byte \(index - 1)")
            }
        }
        flushRun()
        guard steps <= Self.maxComponents else {
            throw RiposteError.invalid("path '\(text)' has more than \(Self.maxComponents) components")
        }
        self.components = components
    }

    package var description: String { text }

    package static func == (lhs: FieldPath, rhs: FieldPath) -> Bool { lhs.text == rhs.text }
    package func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// The first non-null value the path reaches in `value`, or nil.
    package func first(in value: JSONValue) -> JSONValue? {
        first(in: value, at: 0, offset: 0)
    }

    /// Every non-null value the path reaches in `value`, in document order; arrays reached at the
    /// end are flattened one level (ECS keeps multi-valued fields such as `host.ip` as arrays).
    package func all(in value: JSONValue) -> [JSONValue] {
        var found: [JSONValue] = []
        collect(value, at: 0, offset: 0, into: &found)
        return found
    }

    /// Resolution state: component `at`, and within a `.keys` component the byte offset already consumed.
    private func first(in value: JSONValue, at component: Int, offset: Int) -> JSONValue? {
        guard component < components.count else { return value == .null ? nil : value }
        // Nested switches, not one over a (component, value) tuple: building the tuple copies both
        // payloads, and the retains and releases that costs showed in profiles of the ECS parsers.
        switch value {
        case .object(let members):
            guard case .keys(let joined, let stops) = components[component],
                let (member, consumed) = match(members, joined: joined, stops: stops, offset: offset)
            else { return nil }
            return consumed == joined.count
                ? first(in: member, at: component + 1, offset: 0) : first(in: member, at: component, offset: consumed + 1)
        case .array(let elements):
            switch components[component] {
            case .keys:
                for element in elements {
                    if let found = first(in: element, at: component, offset: offset) { return found }
                }
                return nil
            case .index(let position):
                guard position < elements.count else { return nil }
                return first(in: elements[position], at: component + 1, offset: 0)
            case .all:
                for element in elements {
                    if let found = first(in: element, at: component + 1, offset: 0) { return found }
                }
                return nil
            }
        default:
            return nil
        }
    }

    private func collect(_ value: JSONValue, at component: Int, offset: Int, into found: inout [JSONValue]) {
        guard component < components.count else {
            if case .array(let elements) = value {
                for element in elements where element != .null { found.append(element) }
            } else if value != .null {
                found.append(value)
            }
            return
        }
        switch value {
        case .object(let members):
            guard case .keys(let joined, let stops) = components[component],
                let (member, consumed) = match(members, joined: joined, stops: stops, offset: offset)
            else { return }
            if consumed == joined.count {
                collect(member, at: component + 1, offset: 0, into: &found)
            } else {
                collect(member, at: component, offset: consumed + 1, into: &found)
            }
        case .array(let elements):
            switch components[component] {
            case .keys:
                for element in elements { collect(element, at: component, offset: offset, into: &found) }
            case .index(let position):
                if position < elements.count { collect(elements[position], at: component + 1, offset: 0, into: &found) }
            case .all:
                for element in elements { collect(element, at: component + 1, offset: 0, into: &found) }
            }
        default:
            return
        }
    }

    /// The first member whose key is the next one or more keys of `joined` from `offset`, and the
    /// byte offset in `joined` where that key stops.
    private func match(
        _ members: [(String, JSONValue)], joined: [UInt8], stops: [Int], offset: Int
    ) -> (JSONValue, Int)? {
        let remaining = joined.count - offset
        // Bit n is set when a key of n bytes would end at a stop: most members are passed over on their length alone.
        var stopLengths: UInt64 = 0
        for stop in stops where stop > offset && stop - offset < 64 { stopLengths |= 1 << UInt64(stop - offset) }
        // Members are read in place (not bound by a for-in), which saves a retain and release per member.
        return joined.withUnsafeBufferPointer { path in
            members.withUnsafeBufferPointer { buffer in
                for index in buffer.indices {
                    let length = buffer[index].0.utf8.count
                    if length < 64 {
                        guard stopLengths & (1 << UInt64(length)) != 0 else { continue }
                    } else {
                        guard length <= remaining, stops.contains(offset + length) else { continue }
                    }
                    let expected = UnsafeBufferPointer(rebasing: path[offset..<(offset + length)])
                    let inPlace: Bool? = buffer[index].0.utf8.withContiguousStorageIfAvailable { key in
                        memcmp(key.baseAddress!, expected.baseAddress!, length) == 0
                    }
                    let equal = inPlace ?? buffer[index].0.utf8.elementsEqual(expected)
                    if equal { return (buffer[index].1, offset + length) }
                }
                return nil
            }
        }
    }
}
