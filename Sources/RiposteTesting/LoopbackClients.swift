// Loopback UDP and TCP clients for tests and benchmarks of the syslog listeners.
import Foundation

/// A failed socket call and the system's reason.
public struct SocketError: Error, CustomStringConvertible {
    public var description: String
    init(_ call: String) { description = "\(call): \(String(cString: strerror(errno)))" }
}

/// A connected UDP socket to 127.0.0.1:port.
public final class LoopbackUDPClient {
    private let descriptor: Int32

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("socket") }
        try connectLoopback(descriptor, port: port)
    }

    deinit { Glibc.close(descriptor) }

    /// Sends one datagram.
    public func send(_ bytes: [UInt8]) throws {
        guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw SocketError("send") }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }
}

/// A connected TCP socket to 127.0.0.1:port.
public final class LoopbackTCPClient {
    private let descriptor: Int32

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("socket") }
        try connectLoopback(descriptor, port: port)
    }

    deinit { Glibc.close(descriptor) }

    public func send(_ bytes: [UInt8]) throws {
        guard Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw SocketError("send") }
    }

    public func close() { shutdown(descriptor, Int32(SHUT_RDWR)) }

    /// True when the peer closed the connection (a read returns end of stream or a reset) within 2 s.
    public func isClosedByPeer() -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 2000) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, 0) <= 0
    }
}

private func connectLoopback(_ descriptor: Int32, port: Int) throws {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw SocketError("connect") }
}
