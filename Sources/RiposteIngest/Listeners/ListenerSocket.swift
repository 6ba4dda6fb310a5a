// The few socket calls the syslog listeners make, with errors that say which call failed.
import Glibc
import RiposteCore

/// A bound UDP or TCP socket on a literal address.
struct ListenerSocket: ~Copyable {
    let descriptor: Int32
    /// The bound port (the one the kernel picked when asked for 0).
    let port: Int

    /// Creates and binds the socket; TCP sockets also listen.
    /// - Throws: `.unavailable` naming the address and the failing call (address in use, permission).
    init(_ configuration: SyslogListenerConfiguration) throws {
        let isV6 = configuration.host.contains(":")
        let type = configuration.transport == .udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        let descriptor = socket(isV6 ? AF_INET6 : AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Self.failure("socket", configuration) }
        func fail(_ call: String) -> RiposteError {
            let error = Self.failure(call, configuration)
            close(descriptor)
            return error
        }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if configuration.transport == .udp {
            // SO_RCVBUFFORCE passes net.core.rmem_max (it needs CAP_NET_ADMIN); otherwise the kernel caps
            // SO_RCVBUF there, and the granted size is logged at start.
            var size = Int32(configuration.receiveBufferBytes)
            if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            // Ask the kernel to report, with each datagram, how many it dropped for a full buffer.
            setsockopt(descriptor, SOL_SOCKET, SO_RXQ_OVFL, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound: Int32
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(configuration.port).bigEndian)
            guard inet_pton(AF_INET6, configuration.host, &address.sin6_addr) == 1 else { throw fail("inet_pton") }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(configuration.port).bigEndian)
            guard inet_pton(AF_INET, configuration.host, &address.sin_addr) == 1 else { throw fail("inet_pton") }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard bound == 0 else { throw fail("bind") }
        if configuration.transport == .tcp {
            guard listen(descriptor, 128) == 0 else { throw fail("listen") }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw fail("getsockname") }
        let networkPort =
            isV6
            ? withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
            }
            : withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port } }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: networkPort))
    }

    deinit { close(descriptor) }

    /// The receive buffer the kernel actually granted (it doubles the request, up to `rmem_max`).
    var receiveBufferBytes: Int {
        var size: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, &length)
        return Int(size)
    }

    private static func failure(_ call: String, _ configuration: SyslogListenerConfiguration) -> RiposteError {
        let reason = String(cString: strerror(errno))
        return RiposteError(
            .unavailable,
            "syslog listener \(configuration.transport.rawValue)://\(configuration.host):\(configuration.port): \(call) failed: \(reason)"
        )
    }
}

/// Waits up to `milliseconds` for `descriptors` (with their requested events); returns their events.
func pollDescriptors(_ descriptors: inout [pollfd], milliseconds: Int32) -> Int32 {
    descriptors.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), milliseconds) }
}
