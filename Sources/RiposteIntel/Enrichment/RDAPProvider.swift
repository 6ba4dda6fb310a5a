// RDAP (RFC 9083 JSON over RFC 7480 HTTP): registration data of domains and IP networks. Bootstrap-free:
// one configurable base URL (default rdap.org, which redirects to the authoritative server).
package import FoundationEssentials
package import RiposteCore
package import RiposteRuntime

/// `GET {base}/domain/{name}` and `GET {base}/ip/{address}`; 404 means the registry does not know it.
package struct RDAPProvider: EnrichmentProvider {
    package let name = "rdap"
    package let supportedTypes: Set<ObservableType> = [.domain, .ipv4, .ipv6]
    package let sendsDataOutside = true
    package var endpoint: ProviderEndpoint
    package var clock: WallClock

    package init(endpoint: ProviderEndpoint, clock: WallClock = .system) {
        self.endpoint = endpoint
        self.clock = clock
    }

    package static let defaultBaseURL = URL(string: "https://rdap.org")!

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        let path: String
        switch key.type {
        case .domain: path = "/domain/" + ProviderEndpoint.encode(key.value)
        case .ipv4, .ipv6: path = "/ip/" + ProviderEndpoint.encode(key.value)
        default: return .notFound
        }
        return try await endpoint.get(
            path, provider: name, timeout: timeout, headers: [("Accept", "application/rdap+json, application/json")],
            maxRedirects: 5, now: clock.now()
        ).answer(Self.parse)
    }

    /// Summarises a domain or IP network object: handle, name, country, range, status, the
    /// registration/expiration/last-changed events and the registrar (an entity with role `registrar`).
    package static func parse(_ document: JSONValue) throws -> EnrichmentAnswer {
        guard let objectClass = document.string("objectClassName") else {
            throw RiposteError.invalid("rdap: the answer has no objectClassName")
        }
        var summary = SummaryBuilder()
        summary.add("object_class", objectClass)
        summary.add("handle", document.string("handle"))
        summary.add("name", document.string("ldhName") ?? document.string("name"))
        summary.add("country", document.string("country"))
        summary.add("start_address", document.string("startAddress"))
        summary.add("end_address", document.string("endAddress"))
        summary.add("network_type", document.string("type"))
        if let status = document["status"]?.arrayValue {
            summary.add("status", .array(status.compactMap { $0.stringValue.map(JSONValue.string) }))
        }
        for event in document["events"]?.arrayValue ?? [] {
            guard let action = event.string("eventAction"), let date = event.string("eventDate") else { continue }
            switch action {
            case "registration": summary.add("registered", date)
            case "expiration": summary.add("expires", date)
            case "last changed": summary.add("last_changed", date)
            default: break
            }
        }
        let entities = document["entities"]?.arrayValue ?? []
        if let registrar = entities.first(where: { roles($0).contains("registrar") }) {
            summary.add("registrar", fullName(registrar) ?? registrar.string("handle"))
            let ianaID = registrar["publicIds"]?.arrayValue?.first { $0.string("type") == "IANA Registrar ID" }
            summary.add("registrar_iana_id", ianaID?.string("identifier"))
        }
        if let registrant = entities.first(where: { roles($0).contains("registrant") }) {
            summary.add("registrant", fullName(registrant) ?? registrant.string("handle"))
        }
        return EnrichmentAnswer(status: .found, summary: summary.value)
    }

    private static func roles(_ entity: JSONValue) -> [String] {
        entity["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// The `fn` property of an entity's jCard (RFC 7095): `["vcard", [["fn", {}, "text", "Name"], …]]`.
    private static func fullName(_ entity: JSONValue) -> String? {
        guard let card = entity["vcardArray"]?.arrayValue, card.count >= 2, let properties = card[1].arrayValue else {
            return nil
        }
        for property in properties {
            guard let parts = property.arrayValue, parts.count >= 4, parts[0].stringValue == "fn" else { continue }
            if let text = parts[3].stringValue, !text.isEmpty { return text }
        }
        return nil
    }
}
