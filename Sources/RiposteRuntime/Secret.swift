// A secret value that never prints itself, and the one way settings say where a secret is read from.
import Foundation
import RiposteCore

/// Wraps a secret (a password, a token, an API key) so that logging or interpolating it shows
/// `<redacted>`. Read the value only where it is used.
package struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    package let value: String

    package init(_ value: String) { self.value = value }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }

    /// Reads the secret a setting names: `env:NAME` (the server's environment), `file:PATH` (the file's contents
    /// without surrounding whitespace, as Docker and Kubernetes mount them), or otherwise the text itself when
    /// `allowsLiteral` (settings kept in the store, such as feeds, must not hold the secret itself).
    /// - Throws: `.invalid` naming `setting` and the reference, never a value.
    package init(reading reference: String, for setting: String, environment: Environment, allowsLiteral: Bool = true)
        throws
    {
        if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard let value = environment[name] else {
                throw RiposteError.invalid("\(setting) names \(reference), which is not set in the server's environment")
            }
            self.init(value)
        } else if reference.hasPrefix("file:") {
            let path = String(reference.dropFirst(5))
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else { throw RiposteError.invalid("\(setting): cannot read secret file \(path)") }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw RiposteError.invalid("\(setting): secret file \(path) is empty") }
            self.init(secret)
        } else {
            guard allowsLiteral else {
                throw RiposteError.invalid("\(setting) must name where the secret is read from: env:NAME or file:PATH")
            }
            self.init(reference)
        }
    }
}
