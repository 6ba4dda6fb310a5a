// A syslog listener (UDP or TCP): receive, frame, parse into alerts on its own thread, store in batches.
package import Foundation
import Glibc
package import RiposteCore
package import RiposteRuntime
import Synchronization

/// Receives syslog messages on one socket and stores each as an alert through `sink`.
///
/// A dedicated thread receives and parses (CEF, LEEF or plain syslog, by configuration); the parsed
/// alerts wait in a bounded ``DraftQueue``; the service's task stores whatever has gathered in one
/// call of `sink` while the thread goes on receiving, so a burst becomes a few large transactions.
///
/// Nothing is lost silently. Counted in `riposte_syslog_dropped_total{listener, reason}`:
/// `kernel` (the socket buffer overflowed; read from `SO_RXQ_OVFL`), `queue_full` (UDP only — a TCP
/// sender is slowed instead, by not reading while the queue is full), `oversized` (over
/// `maxMessageBytes`), `store_failed` (the store refused a batch). Unparseable messages are counted
/// in `riposte_syslog_rejected_total` and the first of each 10 s is logged with its reason; drops
/// are logged once per reason every 10 s. ``status`` holds the same counts for `GET /api/v1/listeners`.
package final class SyslogListener: Service {
    package let configuration: SyslogListenerConfiguration
    /// The bound port (useful when the configuration asked for 0).
    package var port: Int { socket.port }
    package var name: String { "syslog-" + listenerName }
    /// `udp:5514`: the transport and the bound port, as logs and the `listener` metric label show it.
    package let listenerName: String

    private let socket: ListenerSocket
    private let queue: DraftQueue
    private let sink: @Sendable ([AlertDraft]) async throws -> Void
    private let metrics: Metrics
    private let logger: Logger
    private let counters: Mutex<SyslogListenerStatus>
    /// When each drop reason was last logged, so a flood logs a line per reason every 10 s, not per round.
    private let dropLogs = Mutex<[String: (loggedAt: ContinuousClock.Instant, unlogged: Int)]>([:])
    private let stopping = Atomic(false)
    private let receiverDone = Atomic(false)
    private let label: (String, String)

    /// Binds the socket now, so a bad address or a port in use fails at start-up.
    /// - Throws: `.unavailable` naming the address and the failing call.
    package init(
        _ configuration: SyslogListenerConfiguration, metrics: Metrics, logger: Logger,
        sink: @escaping @Sendable ([AlertDraft]) async throws -> Void
    ) throws {
        self.configuration = configuration
        socket = try ListenerSocket(configuration)
        queue = DraftQueue(capacity: configuration.queueCapacity)
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
        listenerName = "\(configuration.transport.rawValue):\(socket.port)"
        counters = Mutex(
            SyslogListenerStatus(
                name: listenerName, transport: configuration.transport.rawValue, host: configuration.host, port: socket.port,
                format: configuration.format))
        label = ("listener", listenerName)
        metrics.describeCounter("riposte_syslog_messages_total", help: "Syslog messages received, by listener.")
        metrics.describeCounter("riposte_syslog_rejected_total", help: "Syslog messages that did not parse, by listener.")
        metrics.describeCounter(
            "riposte_syslog_dropped_total",
            help: "Syslog messages lost, by listener and reason (kernel, queue_full, oversized, store_failed).")
        metrics.describeCounter(
            "riposte_syslog_connections_refused_total", help: "TCP connections refused over max_connections, by listener.")
    }

    /// Why messages are counted as lost, as `riposte_syslog_dropped_total` labels them.
    package static let dropReasons = ["kernel", "queue_full", "oversized", "store_failed"]

    /// The counts so far.
    package var status: SyslogListenerStatus { counters.withLock { $0 } }

    package func run() async throws {
        let thread = Thread { [self] in
            if configuration.transport == .udp { receiveDatagrams() } else { receiveStreams() }
            receiverDone.store(true, ordering: .releasing)
        }
        thread.name = name
        thread.start()
        logger.info(
            "syslog listener started",
            [
                "listener": listenerName, "format": configuration.format, "port": String(port),
                "receive_buffer_bytes": String(socket.receiveBufferBytes),
            ])
        while true {
            let drafts = await queue.takeAll()
            if drafts.isEmpty { break }
            var start = 0
            while start < drafts.count {
                let chunk = Array(drafts[start..<min(drafts.count, start + configuration.batchSize)])
                start += chunk.count
                do {
                    try await sink(chunk)
                    counters.withLock { $0.stored += chunk.count }
                } catch {
                    let reason = (error as? RiposteError)?.message ?? String(describing: type(of: error))
                    counters.withLock { $0.lastStoreError = reason }
                    count(dropped: chunk.count, reason: "store_failed")
                    logger.error(
                        "syslog alerts could not be stored",
                        ["listener": listenerName, "alerts": String(chunk.count), "error": String(reflecting: error)])
                }
            }
        }
    }

    /// Stops receiving, stores what was already parsed, then lets `run()` return.
    package func shutdown() async {
        stopping.store(true, ordering: .releasing)
        while !receiverDone.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(10)) }
        queue.close()
    }

    // MARK: Receiving (on the listener's thread)

    /// What one receive round saw, added to the metrics once per round rather than per message.
    private struct RoundCounts {
        var received = 0, rejected = 0, kernel = 0, queueFull = 0, oversized = 0, refused = 0
    }

    private func receiveDatagrams() {
        let capacity = configuration.maxMessageBytes + 1
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer {
            buffer.deallocate()
            control.deallocate()
        }
        var parsing = MessageParsing(configuration: configuration, listenerName: listenerName, logger: logger)
        var kernelDrops: UInt32?
        var descriptors = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)]
        while !stopping.load(ordering: .acquiring) {
            guard pollDescriptors(&descriptors, milliseconds: 200) > 0 else { continue }
            var counts = RoundCounts()
            var drafts: [AlertDraft] = []
            // Drain what is waiting (bounded, so metrics and the queue see progress under a flood).
            for _ in 0..<1024 {
                var vector = iovec(iov_base: UnsafeMutableRawPointer(buffer.baseAddress), iov_len: capacity)
                var header = msghdr()
                let received = withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    header.msg_iov = vectorPointer
                    header.msg_iovlen = 1
                    header.msg_control = control.baseAddress
                    header.msg_controllen = control.count
                    return recvmsg(socket.descriptor, &header, Int32(MSG_DONTWAIT))
                }
                guard received >= 0 else { break }
                counts.received += 1
                if let total = Self.droppedCount(control, length: Int(header.msg_controllen)) {
                    counts.kernel += Int(total &- (kernelDrops ?? 0))
                    kernelDrops = total
                }
                guard received < capacity, header.msg_flags & Int32(MSG_TRUNC) == 0 else {
                    counts.oversized += 1
                    continue
                }
                if !parsing.parse(UnsafeBufferPointer(rebasing: buffer[0..<received]), into: &drafts) { counts.rejected += 1 }
            }
            counts.queueFull += queue.offer(drafts)
            report(counts)
        }
    }

    private func receiveStreams() {
        var connections: [Int32: SyslogFraming] = [:]
        var parsing = MessageParsing(configuration: configuration, listenerName: listenerName, logger: logger)
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64 * 1024)
        defer {
            chunk.deallocate()
            for descriptor in connections.keys { close(descriptor) }
        }
        while !stopping.load(ordering: .acquiring) {
            // Read only while the queue has room: a full queue slows TCP senders instead of dropping.
            let reading = queue.hasRoom(for: 1)
            var descriptors = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)]
            for descriptor in connections.keys {
                descriptors.append(pollfd(fd: descriptor, events: reading ? Int16(POLLIN) : 0, revents: 0))
            }
            guard pollDescriptors(&descriptors, milliseconds: reading ? 200 : 10) > 0 else { continue }
            var counts = RoundCounts()
            var drafts: [AlertDraft] = []
            if descriptors[0].revents & Int16(POLLIN) != 0 {
                while true {
                    let accepted = accept(socket.descriptor, nil, nil)
                    guard accepted >= 0 else { break }
                    _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
                    guard connections.count < configuration.maxConnections else {
                        close(accepted)
                        counts.refused += 1
                        continue
                    }
                    connections[accepted] = SyslogFraming(maxFrameBytes: configuration.maxMessageBytes)
                }
            }
            for entry in descriptors.dropFirst() where entry.revents != 0 {
                let descriptor = entry.fd
                let count = read(descriptor, chunk.baseAddress, chunk.count)
                var frames: [SyslogFraming.Frame]
                if count > 0 {
                    frames = connections[descriptor]!.append(Array(chunk[0..<count]))
                } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                    continue
                } else {
                    frames = connections[descriptor]!.finish()
                    connections[descriptor] = nil
                    close(descriptor)
                }
                for frame in frames {
                    switch frame {
                    case .message(let bytes, _):
                        counts.received += 1
                        let parsed = bytes.withUnsafeBufferPointer { parsing.parse($0, into: &drafts) }
                        if !parsed { counts.rejected += 1 }
                    case .oversized:
                        counts.received += 1
                        counts.oversized += 1
                    case .truncated:
                        counts.received += 1
                        counts.rejected += 1
                    }
                }
            }
            queue.append(drafts)
            report(counts)
        }
    }

    private func report(_ counts: RoundCounts) {
        if counts.received > 0 || counts.refused > 0 {
            counters.withLock { status in
                status.received += counts.received
                status.rejected += counts.rejected
                status.connectionsRefused += counts.refused
                if counts.received > 0 { status.lastMessageAt = Date() }
            }
        }
        if counts.received > 0 {
            metrics.increment("riposte_syslog_messages_total", by: Double(counts.received), labels: [label])
        }
        if counts.rejected > 0 {
            metrics.increment("riposte_syslog_rejected_total", by: Double(counts.rejected), labels: [label])
        }
        if counts.refused > 0 {
            metrics.increment("riposte_syslog_connections_refused_total", by: Double(counts.refused), labels: [label])
        }
        count(dropped: counts.kernel, reason: "kernel")
        count(dropped: counts.queueFull, reason: "queue_full")
        count(dropped: counts.oversized, reason: "oversized")
    }

    private func count(dropped: Int, reason: String) {
        guard dropped > 0 else { return }
        metrics.increment("riposte_syslog_dropped_total", by: Double(dropped), labels: [label, ("reason", reason)])
        counters.withLock { $0.dropped[reason, default: 0] += dropped }
        let now = ContinuousClock.now
        let toLog: Int? = dropLogs.withLock { logs in
            let unlogged = (logs[reason]?.unlogged ?? 0) + dropped
            if let last = logs[reason]?.loggedAt, now - last < .seconds(10) {
                logs[reason] = (last, unlogged)
                return nil
            }
            logs[reason] = (now, 0)
            return unlogged
        }
        if let toLog {
            logger.warning(
                "syslog messages dropped",
                ["listener": listenerName, "reason": reason, "count": String(toLog), "logged_every": "10s"])
        }
    }

    /// The `SO_RXQ_OVFL` counter in a received datagram's control messages: drops since the socket opened.
    private static func droppedCount(_ control: UnsafeMutableRawBufferPointer, length: Int) -> UInt32? {
        let headerSize = MemoryLayout<cmsghdr>.size
        var offset = 0
        while offset + headerSize <= length {
            let header = control.load(fromByteOffset: offset, as: cmsghdr.self)
            let messageLength = Int(header.cmsg_len)
            guard messageLength >= headerSize else { return nil }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == SO_RXQ_OVFL, offset + headerSize + 4 <= length {
                return control.loadUnaligned(fromByteOffset: offset + headerSize, as: UInt32.self)
            }
            offset += (messageLength + 7) & ~7
        }
        return nil
    }
}

/// The listener's parser, remade when the year changes (RFC 3164 and many CEF times carry none).
private struct MessageParsing {
    private let configuration: SyslogListenerConfiguration
    private let listenerName: String
    private let logger: Logger
    private let limits: IngestLimits
    private var year = 0
    private var yearCheckedAt: UInt64 = 0
    private var parser: any AlertParser = SyslogAlertParser()
    private var lastLoggedAt: UInt64 = 0

    init(configuration: SyslogListenerConfiguration, listenerName: String, logger: Logger) {
        self.configuration = configuration
        self.listenerName = listenerName
        self.logger = logger
        var limits = IngestLimits()
        limits.maxRecordBytes = configuration.maxMessageBytes
        self.limits = limits
    }

    /// Parses one message (a trailing LF, CR or NUL is dropped) and appends its alerts; false when it did not parse.
    mutating func parse(_ message: UnsafeBufferPointer<UInt8>, into drafts: inout [AlertDraft]) -> Bool {
        var end = message.count
        while end > 0, message[end - 1] == 0x0A || message[end - 1] == 0x0D || message[end - 1] == 0 { end -= 1 }
        guard end > 0 else { return false }
        refreshYear()
        do {
            drafts.append(contentsOf: try parser.parse(body: Array(message[0..<end]), limits: limits))
            return true
        } catch {
            let now = DispatchTime.now().uptimeNanoseconds
            if now &- lastLoggedAt > 10_000_000_000 || lastLoggedAt == 0 {
                lastLoggedAt = now
                logger.warning(
                    "syslog message rejected (first of this 10 s)",
                    ["listener": listenerName, "error": String(describing: error)])
            }
            return false
        }
    }

    private mutating func refreshYear() {
        let now = DispatchTime.now().uptimeNanoseconds
        guard year == 0 || now &- yearCheckedAt > 60_000_000_000 else { return }
        yearCheckedAt = now
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let current = Int(parts.tm_year) + 1900
        guard current != year else { return }
        year = current
        parser =
            switch configuration.format {
            case "cef": CEFParser(year: current)
            case "leef": LEEFParser(year: current)
            default: SyslogAlertParser(year: current)
            }
    }
}

/// What one listener has seen since it started: the rows of `GET /api/v1/listeners`.
package struct SyslogListenerStatus: Sendable, Hashable {
    /// `udp:5514`, as logs and metrics label it.
    package var name: String
    package var transport: String
    package var host: String
    package var port: Int
    package var format: String
    package var received = 0
    package var rejected = 0
    /// Alerts the store took.
    package var stored = 0
    /// Messages lost, by reason: `kernel`, `queue_full`, `oversized`, `store_failed`.
    package var dropped: [String: Int] = [:]
    package var connectionsRefused = 0
    package var lastMessageAt: Date?
    /// Why the store last refused a batch, if it ever did.
    package var lastStoreError: String?
}
