// A secret value that never prints itself.

/// Wraps a secret (a password, a token, an API key) so that logging or interpolating it shows
/// `<redacted>`. Read the value only where it is used.
package struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    package let value: String

    package init(_ value: String) { self.value = value }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}
