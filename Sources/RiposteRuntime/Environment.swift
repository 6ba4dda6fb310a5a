// Configuration from environment variables, as a value tests can construct.
import Foundation
import RiposteCore

/// The process environment as a dictionary, with typed readers that fail with clear errors.
package struct Environment: Sendable {
    package var values: [String: String]

    package init(_ values: [String: String]) { self.values = values }

    /// The real process environment.
    package static var process: Environment { Environment(ProcessInfo.processInfo.environment) }

    package subscript(key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// An integer in `range`, or `defaultValue` when unset. - Throws: `.invalid` naming the key.
    package func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = self[key] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw RiposteError.invalid("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }
}
