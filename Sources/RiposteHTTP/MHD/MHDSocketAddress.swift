// MHDSocketAddress: turns the configured host and port into the sockaddr MHD binds to.

import Glibc

/// A bindable IPv4 or IPv6 socket address built from an IP literal (no name resolution).
struct MHDSocketAddress {
    private var storage = sockaddr_storage()
    let isIPv6: Bool

    /// - Throws: `HTTPServerError(.invalidAddress)` unless `host` is an IP literal or `localhost`.
    init(host: String, port: UInt16) throws {
        let literal = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, literal, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            isIPv6 = false
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
            return
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, literal, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            isIPv6 = true
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
            return
        }
        throw HTTPServerError(
            .invalidAddress, "host \"\(host)\" is not an IPv4 or IPv6 address (names are not resolved)")
    }

    /// Calls `body` with a pointer to the sockaddr, valid only during the call.
    mutating func withPointer<T>(_ body: (UnsafeMutableRawPointer) throws -> T) rethrows -> T {
        try withUnsafeMutableBytes(of: &storage) { try body($0.baseAddress!) }
    }
}
