// TestConnection: a tiny blocking HTTP/1.1 client over POSIX sockets, for requests URLSession
// cannot send (malformed, NUL bytes, hand-framed chunked bodies) and for keep-alive checks.
// Blocking calls run on their own thread (`offPool`) so they never starve the server's tasks.

import Foundation
import Glibc

/// A response parsed off the wire.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (a dictionary), or nil.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// `error.code`, `error.message`, `error.request_id` from the JSON error body.
    var errorFields: (code: String?, message: String?, requestID: String?) {
        let error = json?["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String, error?["request_id"] as? String)
    }
}

struct TestSocketError: Error, CustomStringConvertible {
    var description: String
}

/// One client connection. Not thread-safe: use it from one thread at a time.
final class TestConnection: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to `host:port` (IPv4 or IPv6 literal) with a receive timeout.
    init(port: Int, host: String = "127.0.0.1", timeout: Double = 10) throws {
        var result: Int32 = -1
        var descriptor: Int32 = -1
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if result != 0 {
            let code = errno
            Glibc.close(descriptor)
            throw TestSocketError(description: "connect failed: errno \(code) (\(String(cString: strerror(code))))")
        }
        fd = descriptor
        setTimeout(timeout)
    }

    deinit { Glibc.close(fd) }

    func setTimeout(_ seconds: Double) {
        var time = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { throw TestSocketError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Half-closes or fully closes the socket.
    func close() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// Reads more bytes into the buffer; false on EOF, throws on timeout or error.
    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            throw TestSocketError(description: errno == EAGAIN ? "timed out reading" : "recv failed: errno \(errno)")
        }
        if count == 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw TestSocketError(description: "connection closed mid-line") }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw TestSocketError(description: "connection closed mid-body") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Reads the status line and headers.
    func readHead() throws -> TestResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw TestSocketError(description: "bad status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            if let colon = line.firstIndex(of: ":") {
                headers.append(
                    (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        return TestResponse(status: status, headers: headers, body: [])
    }

    /// Reads one whole response (Content-Length, chunked, or until close).
    func readResponse(head: Bool = false) throws -> TestResponse {
        var response = try readHead()
        if head || response.status == 204 || response.status == 304 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            response.body = try readExactly(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while let chunk = try readChunk() { response.body += chunk }
        } else {
            while try fill() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// Reads one chunk of a chunked body; nil at the final chunk.
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw TestSocketError(description: "bad chunk size line: \(sizeLine)")
        }
        if size == 0 {
            _ = try readLine()  // end of (empty) trailers
            return nil
        }
        let data = try readExactly(size)
        _ = try readLine()
        return data
    }

    /// True if the peer closed the connection (reads EOF) within the receive timeout.
    func isClosedByPeer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return false
        }
    }
}

/// Runs blocking work on a new thread and awaits it, keeping the cooperative pool free.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// A whole request as text (`Connection` defaults to keep-alive in HTTP/1.1).
func requestText(
    _ method: String = "GET", _ target: String, headers: [(String, String)] = [], body: String? = nil
) -> String {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
    text += "\r\n"
    if let body { text += body }
    return text
}

/// Sends one request on a fresh connection and reads the response.
func fetch(
    port: Int, _ method: String = "GET", _ target: String, headers: [(String, String)] = [], body: String? = nil
) async throws -> TestResponse {
    try await offPool {
        let connection = try TestConnection(port: port)
        try connection.send(requestText(method, target, headers: headers, body: body))
        return try connection.readResponse(head: method == "HEAD")
    }
}
