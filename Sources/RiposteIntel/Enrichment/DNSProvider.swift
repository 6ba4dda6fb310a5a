// DNS through the system resolver: A/AAAA of domains and host names, PTR of addresses.
package import RiposteCore
package import RiposteRuntime

/// Forward and reverse lookups via `SystemResolver` (getaddrinfo/getnameinfo).
package struct DNSProvider: EnrichmentProvider {
    package let name = "dns"
    package let supportedTypes: Set<ObservableType> = [.domain, .hostname, .ipv4, .ipv6]
    /// Queries go to the resolver the host is configured with, as every other name lookup does.
    package let sendsDataOutside = false
    package let resolver: SystemResolver

    package init(resolver: SystemResolver) { self.resolver = resolver }

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        switch key.type {
        case .domain, .hostname:
            let (v4, v6) = try await resolver.addresses(of: key.value, timeout: timeout)
            guard !v4.isEmpty || !v6.isEmpty else { return .notFound }
            return EnrichmentAnswer(
                status: .found,
                summary: .object([("a", .array(v4.map(JSONValue.string))), ("aaaa", .array(v6.map(JSONValue.string)))]))
        case .ipv4, .ipv6:
            guard let name = try await resolver.name(of: key.value, timeout: timeout) else { return .notFound }
            return EnrichmentAnswer(status: .found, summary: .object([("ptr", .string(name))]))
        default:
            return .notFound
        }
    }
}
