// What one syslog listener binds to, which parser reads its messages, and its limits.
import RiposteCore

/// One syslog listener: `udp://127.0.0.1:5514/cef`, `tcp://0.0.0.0:6514/leef?max_connections=32`.
package struct SyslogListenerConfiguration: Hashable, Sendable {
    package enum Transport: String, Hashable, Sendable {
        case udp, tcp
    }

    package var transport: Transport
    /// A literal IPv4 or IPv6 address.
    package var host: String
    /// 0 picks a free port (tests).
    package var port: Int
    /// The alert source that reads each message: `cef`, `leef` or `syslog`.
    package var format: String
    /// The longest message accepted; longer ones are dropped and counted.
    package var maxMessageBytes = 64 * 1024
    /// SO_RCVBUF for UDP: what the kernel holds while the listener is busy (the kernel doubles it).
    package var receiveBufferBytes = 8 << 20
    /// Open TCP connections at once; more are refused.
    package var maxConnections = 64
    /// Parsed alerts waiting for the store; beyond it UDP messages are dropped (and counted) and TCP
    /// senders are slowed by not reading.
    package var queueCapacity = 100_000
    /// Alerts per store transaction, at most.
    package var batchSize = 2000

    /// The formats a listener can hand messages to.
    package static let formats = ["cef", "leef", "syslog"]

    package init(transport: Transport, host: String, port: Int, format: String) {
        self.transport = transport
        self.host = host
        self.port = port
        self.format = format
    }

    /// Reads `transport://host:port/format?option=value&…`; IPv6 hosts in brackets (`udp://[::1]:5514/cef`).
    /// Options: `max_message_bytes`, `receive_buffer_bytes`, `max_connections`, `queue_capacity`, `batch_size`.
    /// - Throws: `.invalid` naming the listener and what is wrong.
    package init(parsing text: String) throws {
        func invalid(_ reason: String) -> RiposteError { RiposteError.invalid("syslog listener '\(text)': \(reason)") }
        guard let schemeEnd = text.firstRange(of: "://") else { throw invalid("expected udp://HOST:PORT/FORMAT") }
        guard let transport = Transport(rawValue: String(text[..<schemeEnd.lowerBound]).lowercased()) else {
            throw invalid("transport must be udp or tcp")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.lastIndex(of: "/") else {
            throw invalid("missing /FORMAT (one of \(Self.formats.joined(separator: ", ")))")
        }
        let format = String(rest[rest.index(after: slash)...])
        guard Self.formats.contains(format) else {
            throw invalid("format must be one of \(Self.formats.joined(separator: ", "))")
        }
        let address = rest[..<slash]
        let host: Substring
        let portText: Substring
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]"), address[address.index(after: close)...].hasPrefix(":") else {
                throw invalid("expected [IPV6]:PORT")
            }
            host = address[address.index(after: address.startIndex)..<close]
            portText = address[address.index(close, offsetBy: 2)...]
        } else {
            guard let colon = address.lastIndex(of: ":") else { throw invalid("expected HOST:PORT") }
            host = address[..<colon]
            portText = address[address.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else { throw invalid("port must be 0-65535") }
        guard IPAddress(String(host)) != nil else { throw invalid("host must be a literal IPv4 or IPv6 address") }
        self.init(transport: transport, host: String(host), port: port, format: format)
        for option in query.split(separator: "&") where !option.isEmpty {
            let pair = option.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Int(pair[1]) else { throw invalid("option '\(option)' must be NAME=NUMBER") }
            func checked(_ range: ClosedRange<Int>) throws -> Int {
                guard range.contains(value) else { throw invalid("\(pair[0]) must be \(range.lowerBound)-\(range.upperBound)") }
                return value
            }
            switch pair[0] {
            case "max_message_bytes": maxMessageBytes = try checked(480...(1 << 20))
            case "receive_buffer_bytes": receiveBufferBytes = try checked((64 << 10)...(1 << 30))
            case "max_connections": maxConnections = try checked(1...10_000)
            case "queue_capacity": queueCapacity = try checked(1000...10_000_000)
            case "batch_size": batchSize = try checked(1...100_000)
            default:
                throw invalid(
                    "unknown option '\(pair[0])'; known: max_message_bytes, receive_buffer_bytes, max_connections, queue_capacity, batch_size"
                )
            }
        }
    }
}
