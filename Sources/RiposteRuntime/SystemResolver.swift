// The system resolver (getaddrinfo/getnameinfo: /etc/hosts, nsswitch, the configured DNS servers) on
// dedicated threads, with a deadline: the C calls block and cannot be cancelled.
import Glibc
import RiposteCore
import Synchronization

/// Forward (A/AAAA) and reverse (PTR) lookups through the C library.
///
/// Each call runs on one of the resolver's own threads. When the deadline passes first the caller
/// gets `.unavailable` at once; the C call finishes (or times out in the C library) on its thread,
/// which is why the pool is small and separate from the store's.
package final class SystemResolver: Sendable {
    private let executor: BlockingExecutor
    /// glibc's "no address for this name" and "no address of this family" (not in Swift's Glibc module).
    private static let eaiNoData: Int32 = -5
    private static let eaiAddressFamily: Int32 = -9

    package init(threadCount: Int = 4) {
        executor = BlockingExecutor(threadCount: threadCount, name: "resolver")
    }

    /// The addresses `host` resolves to, IPv4 first then IPv6, without duplicates; empty when the
    /// name does not exist or has no address.
    package func addresses(of host: String, timeout: Duration) async throws -> (ipv4: [String], ipv6: [String]) {
        try await withDeadline(timeout, what: "resolving \(host)") {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            defer { if let list { freeaddrinfo(list) } }
            if status == EAI_NONAME || status == Self.eaiNoData || status == Self.eaiAddressFamily { return ([], []) }
            guard status == 0 else {
                throw RiposteError(.unavailable, "resolving \(host) failed: \(String(cString: gai_strerror(status)))")
            }
            var v4: [String] = []
            var v6: [String] = []
            var node = list
            while let entry = node {
                if let address = Self.text(entry.pointee.ai_addr, family: entry.pointee.ai_family) {
                    if entry.pointee.ai_family == AF_INET {
                        if !v4.contains(address) { v4.append(address) }
                    } else if !v6.contains(address) {
                        v6.append(address)
                    }
                }
                node = entry.pointee.ai_next
            }
            return (v4, v6)
        }
    }

    /// The name an address maps back to (PTR), or nil when it has none.
    /// - Throws: `.invalid` for text that is not an IP address.
    package func name(of address: String, timeout: Duration) async throws -> String? {
        try await withDeadline(timeout, what: "reverse lookup of \(address)") {
            var storage = sockaddr_storage()
            let length: socklen_t
            if address.contains(":") {
                var v6 = sockaddr_in6()
                v6.sin6_family = sa_family_t(AF_INET6)
                guard inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 else {
                    throw RiposteError.invalid("'\(address)' is not an IP address")
                }
                withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: v6) { raw.copyMemory(from: $0) } }
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            } else {
                var v4 = sockaddr_in()
                v4.sin_family = sa_family_t(AF_INET)
                guard inet_pton(AF_INET, address, &v4.sin_addr) == 1 else {
                    throw RiposteError.invalid("'\(address)' is not an IP address")
                }
                withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: v4) { raw.copyMemory(from: $0) } }
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
            }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let status = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
            if status == EAI_NONAME || status == Self.eaiNoData { return nil }
            guard status == 0 else {
                throw RiposteError(.unavailable, "reverse lookup of \(address) failed: \(String(cString: gai_strerror(status)))")
            }
            return host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }

    /// Stops the threads once their current calls return.
    package func shutdown() async { await executor.shutdown() }

    private static func text(_ address: UnsafeMutablePointer<sockaddr>?, family: Int32) -> String? {
        guard let address else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written: UnsafePointer<CChar>?
        switch family {
        case AF_INET:
            written = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                withUnsafePointer(to: &v4.pointee.sin_addr) { inet_ntop(AF_INET, $0, &buffer, socklen_t(buffer.count)) }
            }
        case AF_INET6:
            written = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                withUnsafePointer(to: &v6.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &buffer, socklen_t(buffer.count)) }
            }
        default: return nil
        }
        return written == nil ? nil : buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Runs `body` on the resolver's threads; `.unavailable` if it has not returned within `timeout`.
    private func withDeadline<T: Sendable>(
        _ timeout: Duration, what: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let slot = ContinuationSlot<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            slot.set(continuation)
            // Whichever finishes first takes the continuation; the other finds the slot empty.
            let accepted = executor.submit {
                let result = Result { try body() }
                slot.take()?.resume(with: result)
            }
            guard accepted else {
                slot.take()?.resume(throwing: RiposteError(.unavailable, "the resolver is shut down"))
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                slot.take()?.resume(throwing: RiposteError(.unavailable, "\(what) timed out"))
            }
        }
    }
}

/// Holds a continuation until the first of its resumers takes it.
private final class ContinuationSlot<T: Sendable>: Sendable {
    private let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func set(_ continuation: CheckedContinuation<T, any Error>) { slot.withLock { $0 = continuation } }
    func take() -> CheckedContinuation<T, any Error>? { slot.withLock { $0.take() } }
}
