// Syslog listeners on real sockets: UDP and TCP framing, limits, and loss that is counted, never hidden.
import Foundation
import Glibc
import RiposteCore
import RiposteRuntime
import RiposteTesting
import Synchronization
import Testing

@testable import RiposteIngest

@Suite("Syslog listeners")
struct SyslogListenerTests {
    /// The Graylog CEF fixtures' lines: real CEF with and without syslog headers.
    static func cefLines() throws -> [String] {
        try Corpus.files(in: "siem_alerts/cef/graylog-cef-fixtures", suffix: ".json").map { file in
            try #require(lenientJSON(Array(Corpus.contents(file))).field("testString")?.stringValue)
        }
    }

    @Test(
        "Listener addresses and options parse; bad ones name the problem",
        arguments: [
            ("udp://127.0.0.1:5514/cef", nil),
            ("tcp://[::1]:6514/leef?max_connections=2&max_message_bytes=2048", nil),
            ("udp://0.0.0.0:0/syslog?queue_capacity=5000&batch_size=100", nil),
            ("http://127.0.0.1:5514/cef", "transport must be udp or tcp"),
            ("udp://127.0.0.1:5514/json", "format must be one of cef, leef, syslog"),
            ("udp://localhost:5514/cef", "host must be a literal IPv4 or IPv6 address"),
            ("udp://127.0.0.1:70000/cef", "port must be 0-65535"),
            ("udp://127.0.0.1/cef", "expected HOST:PORT"),
            ("tcp://127.0.0.1:1/cef?max_connections=0", "max_connections must be 1-10000"),
            ("tcp://127.0.0.1:1/cef?speed=9", "unknown option 'speed'"),
            ("tcp://127.0.0.1:1/cef?max_connections", "must be NAME=NUMBER"),
        ] as [(String, String?)])
    func configurationParsing(text: String, problem: String?) throws {
        if let problem {
            #expect {
                _ = try SyslogListenerConfiguration(parsing: text)
            } throws: { error in
                "\(error)".contains(problem) && "\(error)".contains(text)
            }
        } else {
            let parsed = try SyslogListenerConfiguration(parsing: text)
            #expect(text.hasPrefix(parsed.transport.rawValue + "://"))
            #expect(text.contains("/" + parsed.format))
        }
        let options = try SyslogListenerConfiguration(parsing: "tcp://[::1]:6514/leef?max_connections=2&max_message_bytes=2048")
        #expect(options.host == "::1" && options.port == 6514 && options.maxConnections == 2 && options.maxMessageBytes == 2048)
    }

    @Test("UDP: every CEF fixture becomes an alert; malformed and oversized datagrams are counted")
    func udpDatagrams() async throws {
        let lines = try Self.cefLines()
        var configuration = try SyslogListenerConfiguration(parsing: "udp://127.0.0.1:0/cef")
        configuration.maxMessageBytes = 4096
        try await ListenerHarness.with(configuration) { harness in
            let client = try LoopbackUDPClient(port: harness.listener.port)
            for line in lines { try client.send(line + "\n") }
            try client.send("this is not CEF")
            try client.send("<13>Jan 18 11:07:53 host CEF:0|V|P|1|sig|" + String(repeating: "x", count: 5000))
            #expect(try await harness.eventually { harness.stored.count == lines.count })
            #expect(try await harness.eventually { harness.metric("riposte_syslog_messages_total") == Double(lines.count + 2) })
            #expect(harness.metric("riposte_syslog_rejected_total") == 1)
            #expect(harness.metric("riposte_syslog_dropped_total", reason: "oversized") == 1)
            let status = harness.listener.status
            #expect(status.received == lines.count + 2 && status.rejected == 1 && status.dropped == ["oversized": 1])
            #expect(status.stored == lines.count && status.lastMessageAt != nil && status.lastStoreError == nil)
            let drafts = harness.stored.all
            #expect(drafts.allSatisfy { $0.source == "cef" })
            let f5 = try #require(drafts.first { $0.title == "IP Enforcer Attack" && $0.hostName == "3600.lab.asm.f5net.com" })
            #expect(f5.sourceEndpoint.ip == "192.168.74.169")
            #expect(f5.severity == .high)
            // The listener passes the current year, so a year-less syslog header still dates the alert.
            let headerOnly = try #require(
                drafts.first { String(decoding: $0.raw, as: UTF8.self).hasPrefix("Sep 19 08:26:10 example.com") })
            #expect(headerOnly.time != nil)
        }
    }

    @Test("TCP: octet-counted and LF-framed messages split anywhere arrive whole; connections over the limit are refused")
    func tcpStreams() async throws {
        let lines = try Self.cefLines()
        let configuration = try SyslogListenerConfiguration(parsing: "tcp://127.0.0.1:0/cef?max_connections=1")
        try await ListenerHarness.with(configuration) { harness in
            var stream = [UInt8]()
            for (index, line) in lines.enumerated() {
                let bytes = Array(line.utf8)
                stream += index.isMultiple(of: 2) ? Array("\(bytes.count) ".utf8) + bytes : bytes + [0x0A]
            }
            let client = try LoopbackTCPClient(port: harness.listener.port)
            var offset = 0
            var size = 1
            while offset < stream.count {  // chunks of 1, 2, 3 … bytes, so frames straddle every kind of boundary
                let end = min(stream.count, offset + size)
                try client.send(Array(stream[offset..<end]))
                offset = end
                size = size % 97 + 1
            }
            #expect(try await harness.eventually { harness.stored.count == lines.count })
            let second = try LoopbackTCPClient(port: harness.listener.port)
            #expect(try await harness.eventually { harness.metric("riposte_syslog_connections_refused_total") == 1 })
            #expect(second.isClosedByPeer())
            client.close()
        }
    }

    @Test("When the store stalls, UDP losses are counted: sent = stored + queue_full + kernel drops")
    func udpLossIsCounted() async throws {
        var configuration = try SyslogListenerConfiguration(parsing: "udp://127.0.0.1:0/syslog")
        configuration.queueCapacity = 1000
        let gate = Gate()
        try await ListenerHarness.with(configuration, gate: gate) { harness in
            try await Self.floodWhileStalled(harness, gate: gate)
        }
    }

    private static func floodWhileStalled(_ harness: ListenerHarness, gate: Gate) async throws {
        let client = try LoopbackUDPClient(port: harness.listener.port)
        let sent = 5000
        for index in 0..<sent {
            try client.send("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for user\(index) on /dev/pts/8")
            if index.isMultiple(of: 500) { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(try await harness.eventually { harness.metric("riposte_syslog_dropped_total", reason: "queue_full") > 0 })
        gate.open()
        // A last datagram carries the kernel's drop counter for anything dropped before it.
        try await Task.sleep(for: .milliseconds(200))
        try client.send("<34>Oct 11 22:14:16 mymachine su: final")
        let accounted = try await harness.eventually { harness.storedOrDropped == Double(sent + 1) }
        #expect(accounted, "stored \(harness.stored.count) + dropped does not add up to \(sent + 1) sent")
        #expect(harness.stored.count >= 1000)
        // The status the API lists says the same as the metrics.
        let status = harness.listener.status
        #expect(status.stored == harness.stored.count)
        #expect(
            status.dropped["queue_full"].map(Double.init) == harness.metric("riposte_syslog_dropped_total", reason: "queue_full"))
        #expect(status.stored + (status.dropped["queue_full"] ?? 0) + (status.dropped["kernel"] ?? 0) == sent + 1)
    }

    @Test("A batch the store refuses is counted as store_failed, and the status keeps the store's reason")
    func storeFailureIsReported() async throws {
        let configuration = try SyslogListenerConfiguration(parsing: "udp://127.0.0.1:0/syslog")
        let metrics = Metrics()
        let listener = try SyslogListener(configuration, metrics: metrics, logger: .disabled) { _ in
            throw RiposteError(.unavailable, "the store is closed")
        }
        let running = Task { try await listener.run() }
        let client = try LoopbackUDPClient(port: listener.port)
        try client.send("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
        let deadline = ContinuousClock.now + .seconds(30)
        while listener.status.dropped["store_failed"] == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await listener.shutdown()
        try await running.value
        let status = listener.status
        #expect(status.dropped == ["store_failed": 1] && status.stored == 0 && status.received == 1)
        #expect(status.lastStoreError == "the store is closed")
        #expect(
            metrics.value(
                "riposte_syslog_dropped_total", labels: [("listener", listener.listenerName), ("reason", "store_failed")]) == 1)
    }
}

/// Runs a listener whose sink collects drafts (optionally waiting at a gate first).
struct ListenerHarness {
    let listener: SyslogListener
    let metrics: Metrics
    let stored: DraftCollector

    static func with(
        _ configuration: SyslogListenerConfiguration, gate: Gate? = nil, _ body: (ListenerHarness) async throws -> Void
    ) async throws {
        let metrics = Metrics()
        let stored = DraftCollector()
        let listener = try SyslogListener(configuration, metrics: metrics, logger: .disabled) { drafts in
            if let gate { await gate.wait() }
            stored.add(drafts)
        }
        let running = Task { try await listener.run() }
        let harness = ListenerHarness(listener: listener, metrics: metrics, stored: stored)
        do {
            try await body(harness)
        } catch {
            gate?.open()
            await listener.shutdown()
            try await running.value
            throw error
        }
        gate?.open()
        await listener.shutdown()
        try await running.value
    }

    func metric(_ name: String, reason: String? = nil) -> Double {
        var labels = [("listener", listener.listenerName)]
        if let reason { labels.append(("reason", reason)) }
        return metrics.value(name, labels: labels)
    }

    /// Stored alerts plus the messages dropped because the queue or the kernel buffer was full.
    var storedOrDropped: Double {
        Double(stored.count) + metric("riposte_syslog_dropped_total", reason: "kernel")
            + metric("riposte_syslog_dropped_total", reason: "queue_full")
    }

    func eventually(seconds: Double = 60, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }
}

final class DraftCollector: Sendable {
    private let drafts = Mutex<[AlertDraft]>([])
    func add(_ more: [AlertDraft]) { drafts.withLock { $0 += more } }
    var count: Int { drafts.withLock { $0.count } }
    var all: [AlertDraft] { drafts.withLock { $0 } }
}

/// Holds the sink until opened.
final class Gate: Sendable {
    private let isOpen = Atomic(false)
    func open() { isOpen.store(true, ordering: .releasing) }
    func wait() async {
        while !isOpen.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) }
    }
}
