// HTTPServerConfiguration: listen address, limits, timeouts and TLS, with safe defaults and env overrides.

import Foundation

/// Everything `HTTPServer` needs to know besides its responder. Defaults are safe for production:
/// loopback only, limits on, timeouts set.
package struct HTTPServerConfiguration: Sendable, Equatable {
    /// PEM files for in-process TLS (MHD's GnuTLS).
    package struct TLS: Sendable, Equatable {
        /// Path of the PEM certificate (chain).
        package var certificatePath: String
        /// Path of the PEM private key (unencrypted).
        package var privateKeyPath: String

        package init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    /// How MHD's worker threads wait for socket events.
    ///
    /// `poll` is the default because libmicrohttpd 0.9.75 (Debian 12) loses read events in
    /// `epoll` mode combined with suspend/resume: under keep-alive load, connections whose next
    /// request has already arrived stop being served (the data sits unread while every MHD thread
    /// idles) until some unrelated socket event wakes the loop. Measured on this code with `wrk
    /// -c128`: stalls of 0.4–1.2 s in most 2-second runs with one thread, and occasional total
    /// stalls with two; none with `poll` in the same runs, at the same throughput. `poll` costs
    /// O(connections) per wake-up, which is fine at `connectionLimit` 1024. Switch back to `epoll`
    /// after upgrading MHD and re-running that check.
    package enum EventLoop: String, Sendable, Equatable {
        /// `MHD_USE_POLL`.
        case poll
        /// `MHD_USE_EPOLL` (falls back to `poll` where MHD was built without epoll).
        case epoll
    }

    /// The address to bind: an IPv4 or IPv6 literal, or `localhost` (127.0.0.1). Default `127.0.0.1`.
    package var host: String = "127.0.0.1"
    /// The port to bind; 0 picks a free port (read it from `HTTPServer.start()`). Default 8080.
    package var port: UInt16 = 8080
    /// The largest accepted request body. A larger `Content-Length` gets `413` before the body is
    /// read. A chunked body is cut off when it crosses the limit and gets `413` once its upload
    /// ends (MHD 0.9.75 cannot answer in mid-upload); the excess is read and dropped, and if it
    /// exceeds the limit again (at least 64 KiB) the connection is closed instead. Default 10 MiB.
    package var maxBodyBytes: Int = 10 << 20
    /// MHD's per-connection memory pool, which bounds the request line plus headers (and the
    /// write buffer). Peak memory is roughly this × `connectionLimit`. Default 32 KiB.
    package var connectionMemoryLimit: Int = 32 << 10
    /// Maximum concurrent connections. Default 1024.
    package var connectionLimit: Int = 1024
    /// Maximum concurrent connections from one IP address; 0 means no per-IP limit. Default 0,
    /// because behind a reverse proxy every connection shares the proxy's address.
    package var perIPConnectionLimit: Int = 0
    /// Idle time after which MHD closes a connection (also bounds slowloris clients). Whole
    /// seconds, at least 1. Default 30 s.
    package var connectionTimeout: Duration = .seconds(30)
    /// MHD worker threads, each with its own event loop over a share of the connections. Default:
    /// the number of active cores.
    package var threadCount: Int = ProcessInfo.processInfo.activeProcessorCount
    /// How long `shutdown()` waits for in-flight requests before answering the rest with 503 and
    /// cancelling their handlers. Default 10 s.
    package var drainTimeout: Duration = .seconds(10)
    /// Bytes a streaming response may have waiting for a slow client before its connection is
    /// closed. Default 1 MiB.
    package var maxStreamBufferBytes: Int = 1 << 20
    /// In-process TLS; nil serves plain HTTP. Default nil.
    package var tls: TLS? = nil
    /// MHD's event loop. Default `poll` (see `EventLoop`).
    package var eventLoop: EventLoop = .poll

    /// The defaults.
    package init() {}

    /// The defaults with `host` and `port` taken from `address` (see `parseAddress(_:)`).
    /// - Throws: `HTTPConfigurationError` if `address` is malformed.
    package init(address: String) throws {
        (host, port) = try Self.parseAddress(address)
    }

    /// Reads configuration from environment variables, starting from the defaults. Keys:
    ///
    /// | Key | Type | Default |
    /// |---|---|---|
    /// | `RIPOSTE_HTTP_MAX_BODY_BYTES` | integer ≥ 0 | 10485760 (10 MiB) |
    /// | `RIPOSTE_HTTP_CONNECTION_LIMIT` | integer ≥ 1 | 1024 |
    /// | `RIPOSTE_HTTP_TIMEOUT_SECONDS` | integer ≥ 1 (connection idle timeout) | 30 |
    /// | `RIPOSTE_HTTP_THREADS` | integer 1...256 (MHD worker threads) | number of cores |
    /// | `RIPOSTE_TLS_CERT` | path to a PEM certificate | unset (plain HTTP) |
    /// | `RIPOSTE_TLS_KEY` | path to a PEM private key | unset (plain HTTP) |
    ///
    /// `RIPOSTE_TLS_CERT` and `RIPOSTE_TLS_KEY` must be set together. Empty values count as unset.
    /// The files are read when the server starts.
    /// - Throws: `HTTPConfigurationError` naming the key for a malformed or out-of-range value.
    package init(environment: [String: String]) throws {
        self.init()
        func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let raw = environment[key], !raw.isEmpty else { return nil }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw HTTPConfigurationError(
                    key: key, message: "must be an integer in \(range.lowerBound)...\(range.upperBound), got \"\(raw)\"")
            }
            return value
        }
        if let value = try integer("RIPOSTE_HTTP_MAX_BODY_BYTES", in: 0...Int(Int64.max)) { maxBodyBytes = value }
        if let value = try integer("RIPOSTE_HTTP_CONNECTION_LIMIT", in: 1...1_000_000) { connectionLimit = value }
        if let value = try integer("RIPOSTE_HTTP_TIMEOUT_SECONDS", in: 1...86_400) {
            connectionTimeout = .seconds(value)
        }
        if let value = try integer("RIPOSTE_HTTP_THREADS", in: 1...256) { threadCount = value }
        let cert = environment["RIPOSTE_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let key = environment["RIPOSTE_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (cert, key) {
        case (nil, nil): tls = nil
        case (let cert?, let key?): tls = TLS(certificatePath: cert, privateKeyPath: key)
        case (nil, _):
            throw HTTPConfigurationError(key: "RIPOSTE_TLS_CERT", message: "must be set when RIPOSTE_TLS_KEY is set")
        case (_, nil):
            throw HTTPConfigurationError(key: "RIPOSTE_TLS_KEY", message: "must be set when RIPOSTE_TLS_CERT is set")
        }
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (host 127.0.0.1) or a bare `HOST` (port 8080).
    /// `HOST` must be an IP literal or `localhost`; names are not resolved.
    /// - Throws: `HTTPConfigurationError` for a malformed address or a port outside 0...65535.
    package static func parseAddress(_ address: String) throws -> (host: String, port: UInt16) {
        func fail(_ why: String) -> HTTPConfigurationError {
            HTTPConfigurationError(key: "address", message: "\(why): \"\(address)\"")
        }
        func port(_ text: Substring) throws -> UInt16 {
            guard let value = UInt16(text) else { throw fail("port must be 0...65535") }
            return value
        }
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        var host: String
        var result: UInt16 = 8080
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { throw fail("missing ] after IPv6 address") }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw fail("expected :PORT after ]") }
                result = try port(rest.dropFirst())
            }
            guard host.contains(":") else { throw fail("brackets are only for IPv6 addresses") }
        } else if trimmed.filter({ $0 == ":" }).count > 1 {
            throw fail("IPv6 addresses need brackets, as in [::1]:8080")
        } else if let colon = trimmed.firstIndex(of: ":") {
            host = String(trimmed[..<colon])
            result = try port(trimmed[trimmed.index(after: colon)...])
            if host.isEmpty { host = "127.0.0.1" }
        } else {
            host = trimmed
        }
        guard !host.isEmpty else { throw fail("missing host") }
        return (host, result)
    }
}

/// A configuration value that cannot be used.
package struct HTTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment key or setting at fault (`RIPOSTE_HTTP_THREADS`, `address`).
    package var key: String
    /// What is wrong, safe to print.
    package var message: String

    package init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    package var description: String { "\(key) \(message)" }
}
