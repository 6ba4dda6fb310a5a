// Per-source HMAC-SHA256 body signatures: a sender that holds the source's shared secret needs no token.
import Foundation
package import RiposteCore
package import RiposteRuntime

/// Authenticates alert posts signed with a source's shared secret.
///
/// The sender puts `X-Riposte-Signature: sha256=<hex HMAC-SHA256 of the body>` on the request. With
/// `X-Riposte-Timestamp: <Unix seconds>` the signed message is `<timestamp>.<body>` and the time must
/// be within ``tolerance`` of ours, which bounds replays of a captured request. Without a timestamp a
/// replayed body is still harmless: alerts are deduplicated on their source reference.
package struct SourceSignatureVerifier: Sendable {
    package static let signatureHeader = "X-Riposte-Signature"
    package static let timestampHeader = "X-Riposte-Timestamp"

    private let keys: [String: [UInt8]]
    private let tolerance: Double
    private let clock: WallClock

    /// `secrets` maps a source name to its shared secret.
    package init(secrets: [String: Secret], toleranceSeconds tolerance: Double = 300, clock: WallClock = .system) {
        keys = secrets.mapValues { Array($0.value.utf8) }
        self.tolerance = tolerance
        self.clock = clock
    }

    /// The sources that accept signed posts.
    package var sources: [String] { keys.keys.sorted() }

    /// The principal of a post to `source` whose body carries `signature` (the header's value).
    /// - Throws: `.unauthorized` for a signature that does not verify, a source without a secret, or
    ///   a stale or malformed timestamp (one message for all but the clock skew).
    package func principal(source: String, body: [UInt8], signature: String, timestamp: String?) throws -> Principal {
        let rejection = RiposteError(.unauthorized, "invalid body signature for source '\(source)'")
        guard let key = keys[source], signature.hasPrefix("sha256="), signature.utf8.count == 71 else { throw rejection }
        let claimed = Array(signature.dropFirst(7).lowercased().utf8)
        var message = body
        if let timestamp {
            guard let seconds = Int64(timestamp), timestamp.utf8.count <= 12 else { throw rejection }
            let skew = abs(clock.now().timeIntervalSince1970 - TimeInterval(seconds))
            guard skew <= tolerance else {
                throw RiposteError(
                    .unauthorized,
                    "signature timestamp is \(Int(skew)) s away from the server's clock (limit \(Int(tolerance)) s)")
            }
            message = Array((timestamp + ".").utf8) + body
        }
        let expected = Array(Crypto.hex(Crypto.hmacSHA256(key: key, message: message)).utf8)
        guard Crypto.constantTimeEqual(expected, claimed) else { throw rejection }
        return Principal(name: source, role: .ingest, actor: Actor(name: "signed:" + source), source: source)
    }
}
