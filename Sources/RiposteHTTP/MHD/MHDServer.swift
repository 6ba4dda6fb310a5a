// MHDServer: owns one MHD daemon: starting it with our options, the per-request flow behind the C
// callbacks, and graceful shutdown (quiesce, drain, resume, stop).

import CMicroHTTPD
import Foundation
import Glibc
import Synchronization

/// The running daemon's C resources.
///
/// Safety: created by `start()` and consumed by `stop()`, both under `MHDServer.daemon`'s mutex,
/// which is the happens-before edge between the thread that started MHD and the one that stops it.
private struct DaemonResources: @unchecked Sendable {
    let daemon: OpaquePointer
    let context: Unmanaged<MHDServer>
    let tlsCertificate: UnsafeMutablePointer<CChar>?
    let tlsKey: UnsafeMutablePointer<CChar>?
}

/// The MHD-facing core of `HTTPServer`.
final class MHDServer: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any Responder
    let accessLog: @Sendable (String) -> Void
    let diagnostics: @Sendable (String) -> Void

    /// Set when shutdown begins: responses get `Connection: close`, new streams end at once.
    let draining = Atomic<Bool>(false)
    /// Set after the drain: nothing suspends any more; unfinished requests get 503.
    let stopping = Atomic<Bool>(false)

    private let inFlight = Mutex<[ObjectIdentifier: MHDExchange]>([:])
    private let daemon = Mutex<DaemonResources?>(nil)
    /// MHD's log lines while `start()` runs, to explain a failed start.
    private let startupLog = Mutex<[String]?>(nil)

    init(
        configuration: HTTPServerConfiguration, responder: any Responder,
        accessLog: @escaping @Sendable (String) -> Void, diagnostics: @escaping @Sendable (String) -> Void
    ) {
        self.configuration = configuration
        self.responder = responder
        self.accessLog = accessLog
        self.diagnostics = diagnostics
    }

    // MARK: - Start

    /// Binds and starts MHD's worker threads; returns the bound port.
    /// - Throws: `HTTPServerError` (bad address, TLS unavailable or unreadable, MHD refused to start)
    ///   or `HTTPConfigurationError` (a limit out of range).
    func start() throws -> UInt16 {
        let c = configuration
        try Self.validate(c)

        var flags =
            MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
            | MHD_USE_ERROR_LOG.rawValue
        // See HTTPServerConfiguration.EventLoop for why poll() is the default; epoll falls back to
        // poll() where MHD was built without it.
        switch c.eventLoop {
        case .epoll where MHD_is_feature_supported(MHD_FEATURE.FEATURE_EPOLL) == .YES:
            flags |= MHD_USE_EPOLL.rawValue
        case .epoll, .poll:
            flags |= MHD_USE_POLL.rawValue
        }

        var address = try MHDSocketAddress(host: c.host, port: c.port)
        if address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }

        var certificate: UnsafeMutablePointer<CChar>?
        var key: UnsafeMutablePointer<CChar>?
        if let tls = c.tls {
            guard MHD_is_feature_supported(MHD_FEATURE.FEATURE_TLS) == .YES else {
                throw HTTPServerError(.tlsUnsupported, "TLS is configured but libmicrohttpd was built without TLS support")
            }
            let certificateText = try Self.readPEM(tls.certificatePath, what: "certificate")
            let keyText = try Self.readPEM(tls.privateKeyPath, what: "private key")
            // MHD keeps these pointers for the daemon's lifetime; `shutdown()` frees them.
            certificate = strdup(certificateText)
            key = strdup(keyText)
            flags |= MHD_USE_TLS.rawValue
        }

        func item(_ option: MHD_OPTION, _ value: Int, _ pointer: UnsafeMutableRawPointer? = nil) -> MHD_OptionItem {
            MHD_OptionItem(option: option, value: value, ptr_value: pointer)
        }
        var options: [MHD_OptionItem] = [
            item(MHD_OPTION.CONNECTION_MEMORY_LIMIT, c.connectionMemoryLimit),
            item(MHD_OPTION.CONNECTION_LIMIT, c.connectionLimit),
            item(MHD_OPTION.CONNECTION_TIMEOUT, Int(c.connectionTimeout.components.seconds)),
            // Reject requests that bend HTTP/1.1 (spaces in the URI, bare CR, …): smuggling vectors.
            item(MHD_OPTION.STRICT_FOR_CLIENT, 1),
        ]
        if c.perIPConnectionLimit > 0 { options.append(item(MHD_OPTION.PER_IP_CONNECTION_LIMIT, c.perIPConnectionLimit)) }
        if c.threadCount > 1 { options.append(item(MHD_OPTION.THREAD_POOL_SIZE, c.threadCount)) }
        if let certificate, let key {
            options.append(item(MHD_OPTION.HTTPS_MEM_CERT, 0, UnsafeMutableRawPointer(certificate)))
            options.append(item(MHD_OPTION.HTTPS_MEM_KEY, 0, UnsafeMutableRawPointer(key)))
        }

        let context = Unmanaged.passRetained(self)
        startupLog.withLock { $0 = [] }
        let started: OpaquePointer? = address.withPointer { sockaddr in
            options.append(item(MHD_OPTION.SOCK_ADDR, 0, sockaddr))
            options.append(item(MHD_OPTION.END, 0))
            return options.withUnsafeMutableBufferPointer { buffer in
                riposte_mhd_start(
                    flags, c.port, MHDCallbacks.accessHandler, MHDCallbacks.requestCompleted, MHDCallbacks.uriLog,
                    MHDCallbacks.logger, context.toOpaque(), buffer.baseAddress)
            }
        }
        let messages = startupLog.withLock { log in
            defer { log = nil }
            return log ?? []
        }
        guard let started else {
            context.release()
            free(certificate)
            Self.wipeAndFree(key)
            let reason = messages.isEmpty ? "MHD_start_daemon failed" : messages.joined(separator: "; ")
            throw HTTPServerError(.startFailed, "cannot listen on \(c.host):\(c.port): \(reason)")
        }
        daemon.withLock {
            $0 = DaemonResources(daemon: started, context: context, tlsCertificate: certificate, tlsKey: key)
        }
        return riposte_mhd_bound_port(started)
    }

    private static func validate(_ c: HTTPServerConfiguration) throws {
        func check(_ ok: Bool, _ key: String, _ message: String) throws {
            if !ok { throw HTTPConfigurationError(key: key, message: message) }
        }
        try check(c.maxBodyBytes >= 0, "maxBodyBytes", "must not be negative")
        try check(c.connectionMemoryLimit >= 4096, "connectionMemoryLimit", "must be at least 4096 bytes")
        try check(c.connectionLimit >= 1, "connectionLimit", "must be at least 1")
        try check(c.perIPConnectionLimit >= 0, "perIPConnectionLimit", "must not be negative")
        try check(c.connectionTimeout >= .seconds(1), "connectionTimeout", "must be at least 1 second")
        try check((1...256).contains(c.threadCount), "threadCount", "must be in 1...256")
        try check(c.maxStreamBufferBytes >= 1, "maxStreamBufferBytes", "must be positive")
    }

    private static func readPEM(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HTTPServerError(.tlsFileUnreadable, "cannot read TLS \(what) file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN "), !text.contains("\0") else {
            throw HTTPServerError(.tlsFileUnreadable, "TLS \(what) file \(path) is not PEM")
        }
        return text
    }

    // MARK: - Shutdown

    /// Graceful shutdown: stop accepting, end streams, wait for in-flight requests (up to
    /// `drainTimeout`), answer the rest with 503, stop MHD. Safe to call once after `start()`.
    func shutdown() async {
        guard let resources = daemon.withLock({ $0 }) else { return }

        // 1. Stop accepting. MHD keeps the listening socket open until stop; shutting it down makes
        //    the kernel refuse new connections now instead of queueing them in the backlog.
        let listener = MHD_quiesce_daemon(resources.daemon)
        if listener >= 0 { _ = Glibc.shutdown(listener, Int32(SHUT_RDWR)) }

        // 2. Drain: streams end now; everything else gets up to drainTimeout.
        draining.store(true, ordering: .sequentiallyConsistent)
        for exchange in inFlightSnapshot() { exchange.endStreamForShutdown() }
        let deadline = ContinuousClock.now.advanced(by: configuration.drainTimeout)
        while inFlight.withLock({ !$0.isEmpty }), ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(5)) } catch { break }
        }

        // 3. Stop: no more suspending; resume every suspended connection (MHD must not be stopped
        //    with suspended connections) so MHD answers unfinished requests with 503 and closes.
        stopping.store(true, ordering: .sequentiallyConsistent)
        let resumed = inFlightSnapshot().filter { $0.abandonForStop() }
        // Give MHD a moment to send those 503s: MHD_stop_daemon would drop them unsent.
        let grace = ContinuousClock.now.advanced(by: .seconds(1))
        while !resumed.allSatisfy(\.isCompleted), ContinuousClock.now < grace {
            do { try await Task.sleep(for: .milliseconds(2)) } catch { break }
        }
        let taken = daemon.withLock { state -> DaemonResources? in
            defer { state = nil }
            return state
        }
        guard let taken else { return }
        // MHD_stop_daemon joins MHD's threads: keep that wait off the cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                MHD_stop_daemon(taken.daemon)
                continuation.resume()
            }
            thread.name = "riposte-http-stop"
            thread.start()
        }
        if listener >= 0 { _ = close(listener) }
        free(taken.tlsCertificate)
        Self.wipeAndFree(taken.tlsKey)
        taken.context.release()
    }

    /// Overwrites a private key's C copy before freeing it.
    private static func wipeAndFree(_ text: UnsafeMutablePointer<CChar>?) {
        guard let text else { return }
        memset(text, 0, strlen(text))
        free(text)
    }

    /// The number of requests MHD has started and not yet completed.
    var inFlightCount: Int { inFlight.withLock { $0.count } }

    private func inFlightSnapshot() -> [MHDExchange] {
        inFlight.withLock { Array($0.values) }
    }

    // MARK: - Request flow (called from MHDCallbacks on MHD threads)

    /// A request line arrived: create its exchange.
    func begin(connection: OpaquePointer, rawTarget: UnsafePointer<CChar>?) -> MHDExchange {
        let exchange = MHDExchange(connection: MHDConnectionHandle(pointer: connection), rawTarget: rawTarget)
        inFlight.withLock { $0[ObjectIdentifier(exchange)] = exchange }
        return exchange
    }

    /// MHD's access handler for `exchange`: headers, body chunks, the final call, and the call after resume.
    func access(
        _ exchange: MHDExchange, connection: OpaquePointer, method: UnsafePointer<CChar>,
        version: UnsafePointer<CChar>, upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>
    ) -> MHD_Result {
        enum Step {
            case headers
            case continueUpload
            case abort
            case start(HTTPRequest)
            case respond(HTTPResponse)
            case ignore
        }
        let size = uploadSize.pointee
        let maxBody = configuration.maxBodyBytes
        let step: Step = exchange.state.withLock { state in
            switch state.stage {
            case .receiving:
                if !state.headReceived { return .headers }
                if size > 0 {
                    uploadSize.pointee = 0
                    if state.bodyOverflowed {
                        // MHD cannot answer mid-upload, so the rest is read and dropped, but only so much.
                        state.bytesDiscarded += size
                        return state.bytesDiscarded > max(maxBody, 64 << 10) ? .abort : .continueUpload
                    }
                    if state.body.count + size > maxBody {
                        state.bodyOverflowed = true
                        state.bytesDiscarded = state.body.count + size - maxBody
                        state.body = Data()
                        return .continueUpload
                    }
                    upload!.withMemoryRebound(to: UInt8.self, capacity: size) { state.body.append($0, count: size) }
                    return .continueUpload
                }
                // The final call: the whole request is here.
                if state.bodyOverflowed {
                    state.stage = .responded
                    return .respond(Self.payloadTooLarge(state.requestID))
                }
                if stopping.load(ordering: .sequentiallyConsistent) {
                    state.stage = .responded
                    return .respond(Self.unavailable(state.requestID))
                }
                let (path, query) = HTTPRequest.split(target: exchange.target)
                let request = HTTPRequest(
                    method: state.method, path: path, query: query, headers: state.headers, body: state.body,
                    remoteAddress: state.remoteAddress, requestID: state.requestID)
                state.body = Data()
                state.headers = HTTPHeaders()
                state.stage = .handling
                // Suspend inside the critical section: a resume can only follow it (see MHDConnectionHandle).
                state.suspended = true
                MHD_suspend_connection(connection)
                return .start(request)
            case .ready(let response):
                state.stage = .responded
                return .respond(response)
            case .abandoned, .handling:
                // Resumed by shutdown before the handler finished.
                state.stage = .responded
                return .respond(Self.unavailable(state.requestID))
            case .responded, .completed:
                return .ignore
            }
        }

        switch step {
        case .headers:
            return receiveHeaders(exchange, connection: connection, method: method, version: version)
        case .continueUpload:
            return .YES
        case .abort:
            return .NO
        case .start(let request):
            let task = Task { await self.handle(request, exchange: exchange) }
            exchange.attach(task)
            return .YES
        case .respond(let response):
            return queue(response, exchange: exchange, connection: connection)
        case .ignore:
            return .YES
        }
    }

    /// The first call: copy headers, pick the request ID, and refuse NUL bytes, ambiguous framing
    /// or an oversized body before reading any body.
    private func receiveHeaders(
        _ exchange: MHDExchange, connection: OpaquePointer, method: UnsafePointer<CChar>, version: UnsafePointer<CChar>
    ) -> MHD_Result {
        var collector = MHDHeaderCollector()
        withUnsafeMutablePointer(to: &collector) { pointer in
            _ = MHD_get_connection_values_n(connection, MHD_ValueKind.HEADER_KIND, MHDCallbacks.headerIterator, pointer)
        }
        let layout = MHDRequestLayout(
            method: UnsafeRawPointer(method), target: UnsafeRawPointer(bitPattern: exchange.rawTargetAddress),
            targetCount: exchange.rawTargetCount, version: UnsafeRawPointer(version), fields: collector.layout,
            headSize: riposte_mhd_header_size(connection))
        let invalid = layout.hasHiddenBytes || collector.ambiguousLength || !Self.isToken(method)
        let requestID = collector.requestID ?? RequestID.generate()
        let remote = Self.clientAddress(connection)
        let maxBody = UInt64(configuration.maxBodyBytes)
        let early: HTTPResponse? = exchange.state.withLock { state in
            state.headReceived = true
            state.method = HTTPMethod(rawValue: String(cString: method))
            state.requestID = requestID
            state.remoteAddress = remote
            if invalid {
                state.stage = .responded
                var response = HTTPResponse.error(
                    status: .badRequest, code: "invalid", message: "Malformed request", requestID: requestID)
                response.headers.add(name: "Connection", value: "close")
                return response
            }
            if let length = collector.contentLength, length > maxBody {
                state.stage = .responded
                return Self.payloadTooLarge(requestID)
            }
            state.headers = HTTPHeaders(fields: collector.fields)
            // Reserve for the announced body, but not more than 1 MiB up front: an announcement
            // alone must not let idle connections pin maxBodyBytes each.
            if let length = collector.contentLength, length > 0 { state.body.reserveCapacity(Int(min(length, 1 << 20))) }
            return nil
        }
        guard let early else { return .YES }
        return queue(early, exchange: exchange, connection: connection)
    }

    /// Runs the responder on a task, then hands the response (and a stream's producer) to MHD.
    private func handle(_ request: HTTPRequest, exchange: MHDExchange) async {
        var response: HTTPResponse
        do {
            response = try await responder.respond(to: request, context: RequestContext(requestID: request.requestID))
        } catch {
            if !(error is CancellationError && stopping.load(ordering: .relaxed)) {
                diagnostics("http.handler_error request.id=\(request.requestID) error=\(String(reflecting: error))")
            }
            response = .error(
                status: .internalServerError, code: "internal", message: "Internal error",
                requestID: request.requestID)
        }
        let delivered = exchange.deliver(response) { self.draining.load(ordering: .sequentiallyConsistent) }
        guard delivered, case .stream(let body) = response.body else { return }
        let writer = MHDBodyWriter(exchange: exchange, limit: configuration.maxStreamBufferBytes)
        do {
            try await body.produce(writer)
            exchange.endStream(failed: false)
        } catch is CancellationError {
            exchange.endStream(failed: false)
        } catch is HTTPStreamClosedError {
            exchange.endStream(failed: false)
        } catch {
            diagnostics("http.stream_error request.id=\(request.requestID) error=\(String(reflecting: error))")
            exchange.endStream(failed: true)
        }
    }

    /// Creates the MHD response for `response` and queues it (MHD thread only).
    private func queue(_ response: HTTPResponse, exchange: MHDExchange, connection: OpaquePointer) -> MHD_Result {
        let (requestID, isHead) = exchange.state.withLock { ($0.requestID, $0.method == .head) }
        var status = response.status.code
        var bodyCount = 0
        let mhdResponse: OpaquePointer?
        switch response.body {
        case .bytes(let data):
            bodyCount = isHead ? 0 : data.count
            mhdResponse = data.withUnsafeBytes { raw in
                MHD_create_response_from_buffer(
                    raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
            }
        case .stream:
            let retained = Unmanaged.passRetained(exchange)
            mhdResponse = MHD_create_response_from_callback(
                UInt64.max, 4096, MHDCallbacks.contentReader, retained.toOpaque(), MHDCallbacks.contentReaderFree)
            if mhdResponse == nil { retained.release() }
        }
        guard let mhdResponse else { return .NO }
        defer { MHD_destroy_response(mhdResponse) }

        var mustClose = draining.load(ordering: .relaxed)
        for field in response.headers {
            if HTTPHeaders.namesEqual(field.name, "Content-Length") || HTTPHeaders.namesEqual(field.name, "Transfer-Encoding")
                || HTTPHeaders.namesEqual(field.name, RequestID.headerName)
            {
                continue
            }
            if HTTPHeaders.namesEqual(field.name, "Connection") {
                if field.value.lowercased().contains("close") { mustClose = true }
                continue
            }
            guard Self.isValidHeader(field), MHD_add_response_header(mhdResponse, field.name, field.value) == .YES
            else {
                diagnostics("http.invalid_response_header request.id=\(requestID) header=\(field.name)")
                continue
            }
        }
        _ = MHD_add_response_header(mhdResponse, RequestID.headerName, requestID)
        if mustClose { _ = MHD_add_response_header(mhdResponse, "Connection", "close") }
        if !(100...999).contains(status) {
            diagnostics("http.invalid_status request.id=\(requestID) status=\(status)")
            status = 500
        }
        let queued = MHD_queue_response(connection, UInt32(status), mhdResponse)
        if queued == .YES {
            exchange.state.withLock { state in
                state.status = status
                state.bytesSent = bodyCount
            }
        }
        return queued
    }

    /// MHD finished the request (sent, failed, or the connection closed).
    func complete(_ exchange: MHDExchange) {
        let record = exchange.state.withLock { state in
            state.stage = .completed
            let task = state.stream != nil ? state.task : nil
            state.task = nil
            state.stream = nil
            return (task, state.status, state.bytesSent, state.method, state.requestID, state.remoteAddress)
        }
        inFlight.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(exchange)) }
        let (task, status, bytes, method, requestID, remote) = record
        task?.cancel()
        guard status != 0 else { return }
        let path = HTTPRequest.split(target: exchange.target).path
        accessLog(
            AccessLog.line(
                time: exchange.startedAt, requestID: requestID, method: method.rawValue, path: path, status: status,
                bytes: bytes, duration: ContinuousClock.now - exchange.started, remote: remote))
    }

    /// An MHD log line: kept while starting (to explain failures), else sent to diagnostics.
    func log(_ message: String) {
        let captured = startupLog.withLock { log -> Bool in
            guard log != nil else { return false }
            log!.append(message)
            return true
        }
        if !captured { diagnostics("http.mhd message=\(message)") }
    }

    // MARK: - Helpers

    private static func payloadTooLarge(_ requestID: String) -> HTTPResponse {
        var response = HTTPResponse.error(
            status: .payloadTooLarge, code: "payload_too_large", message: "Request body too large",
            requestID: requestID)
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    private static func unavailable(_ requestID: String) -> HTTPResponse {
        var response = HTTPResponse.error(
            status: .serviceUnavailable, code: "unavailable", message: "Server is shutting down",
            requestID: requestID)
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    private static func clientAddress(_ connection: OpaquePointer) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let count = riposte_mhd_client_address(connection, buffer.baseAddress, 64)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
        }
    }

    /// True if the NUL-terminated `text` is a non-empty RFC 9110 token (a valid method).
    private static func isToken(_ text: UnsafePointer<CChar>) -> Bool {
        var pointer = UnsafeRawPointer(text)
        guard pointer.load(as: UInt8.self) != 0 else { return false }
        while true {
            let byte = pointer.load(as: UInt8.self)
            if byte == 0 { return true }
            if !isTokenByte(byte) { return false }
            pointer += 1
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Header names must be tokens; values must not contain CR, LF or NUL (response splitting).
    private static func isValidHeader(_ field: HTTPHeaders.Field) -> Bool {
        guard !field.name.isEmpty else { return false }
        guard field.name.utf8.allSatisfy(isTokenByte) else { return false }
        return !field.value.utf8.contains { $0 == 0 || $0 == 10 || $0 == 13 }
    }
}

/// Collects request headers during `MHD_get_connection_values_n`.
struct MHDHeaderCollector {
    var fields: [HTTPHeaders.Field] = []
    var layout: [MHDRequestLayout.Field] = []
    var requestID: String?
    var contentLength: UInt64?
    /// Conflicting `Content-Length` fields, or `Content-Length` with `Transfer-Encoding`: the
    /// framing a proxy and this server could disagree on (request smuggling), so 400.
    var ambiguousLength = false
    private var hasTransferEncoding = false

    mutating func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        if Self.equalsLowercase(name, "x-request-id") {
            if requestID == nil, RequestID.isValid(value) { requestID = String(decoding: value, as: UTF8.self) }
        } else if Self.equalsLowercase(name, "transfer-encoding") {
            hasTransferEncoding = true
            if contentLength != nil { ambiguousLength = true }
        } else if Self.equalsLowercase(name, "content-length") {
            if hasTransferEncoding { ambiguousLength = true }
            var total: UInt64 = 0
            var valid = !value.isEmpty
            for byte in value {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                    valid = false
                    break
                }
                let (times, overflow1) = total.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                if overflow1 || overflow2 {
                    total = .max
                    break
                }
                total = sum
            }
            if valid {
                if let previous = contentLength, previous != total { ambiguousLength = true }
                contentLength = total
            }
        }
        fields.append(
            HTTPHeaders.Field(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
    }

    private static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] {
            // `| 0x20` folds letters; '-' (0x2d) is unaffected, other punctuation never matches.
            return false
        }
        return true
    }
}

/// Spellings of MHD's cast macros that Swift cannot import.
enum MHDConstants {
    /// `MHD_CONTENT_READER_END_OF_STREAM`.
    static let endOfStream = -1
    /// `MHD_CONTENT_READER_END_WITH_ERROR`.
    static let endWithError = -2
}
