// Locates the real peers `scripts/peers start` runs on loopback (today: medallion, a TAXII 2.1 server).
package import Foundation
import RiposteCore

/// The peers integration tests talk to. A missing peer is an error, never a skip.
package enum Peers {
    /// The medallion TAXII 2.1 server and what `scripts/taxii-peer-data.py` put in it.
    package struct TAXII: Sendable {
        /// The discovery URL (`http://127.0.0.1:PORT/taxii2/`), without credentials.
        package var discoveryURL: URL
        package var username: String
        package var password: String
        /// The medallion data file the server was started with.
        package var dataFile: URL
    }

    /// `.build/peers` in the repository.
    private static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/peers")
    }

    /// The TAXII peer: its URL from `RIPOSTE_TAXII_URL` or `.build/peers/taxii.url` (with the basic-auth
    /// user as userinfo), its data from `RIPOSTE_TAXII_DATA` or `.build/peers/taxii-data.json`.
    /// - Throws: `.unavailable` saying how to start it when either is missing.
    package static func taxii() throws -> TAXII {
        let environment = ProcessInfo.processInfo.environment
        let urlFile = directory.appendingPathComponent("taxii.url")
        let text: String
        if let configured = environment["RIPOSTE_TAXII_URL"], !configured.isEmpty {
            text = configured
        } else if let contents = try? String(contentsOf: urlFile, encoding: .utf8) {
            text = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            throw RiposteError(.unavailable, "TAXII peer not running: \(urlFile.path) is missing; run scripts/peers start")
        }
        guard var components = URLComponents(string: text), let username = components.user, let password = components.password
        else { throw RiposteError(.unavailable, "TAXII peer URL must carry user:password (scripts/peers writes it so)") }
        components.user = nil
        components.password = nil
        guard let discoveryURL = components.url else { throw RiposteError(.unavailable, "TAXII peer URL cannot be parsed") }
        let dataFile =
            environment["RIPOSTE_TAXII_DATA"].map { URL(fileURLWithPath: $0) }
            ?? directory.appendingPathComponent("taxii-data.json")
        guard FileManager.default.fileExists(atPath: dataFile.path) else {
            throw RiposteError(.unavailable, "TAXII peer data \(dataFile.path) is missing; run scripts/peers start")
        }
        return TAXII(discoveryURL: discoveryURL, username: username, password: password, dataFile: dataFile)
    }
}
