// Reputation services, each written to its vendor's public API documentation: VirusTotal v3,
// AbuseIPDB v2, AlienVault OTX (DirectConnect v1) and the GreyNoise Community API (v3). Each sends
// the observable to the vendor, so none is on unless configured with a key.
package import FoundationEssentials
package import RiposteCore
package import RiposteRuntime

/// VirusTotal API v3: `GET /api/v3/{ip_addresses|domains|files|urls}/{id}` with `x-apikey`.
/// A URL's id is its unpadded base64url encoding (RFC 4648 §5), as the URL identifier docs say.
package struct VirusTotalProvider: EnrichmentProvider {
    package let name = "virustotal"
    package let supportedTypes: Set<ObservableType> = [.ipv4, .ipv6, .domain, .hostname, .url, .md5, .sha1, .sha256]
    package let sendsDataOutside = true
    package var endpoint: ProviderEndpoint
    package var clock: WallClock
    /// Engines flagging a value malicious at or above which it is `malicious` (fewer: `suspicious`).
    package static let maliciousEngines = 3

    package init(endpoint: ProviderEndpoint, clock: WallClock = .system) {
        self.endpoint = endpoint
        self.clock = clock
    }

    package static let defaultBaseURL = URL(string: "https://www.virustotal.com")!

    /// The API path for a value.
    package static func path(for key: EnrichmentKey) -> String? {
        switch key.type {
        case .ipv4, .ipv6: "/api/v3/ip_addresses/" + ProviderEndpoint.encode(key.value)
        case .domain, .hostname: "/api/v3/domains/" + ProviderEndpoint.encode(key.value)
        case .md5, .sha1, .sha256: "/api/v3/files/" + ProviderEndpoint.encode(key.value)
        case .url: "/api/v3/urls/" + urlIdentifier(key.value)
        case .email, .username: nil
        }
    }

    /// Unpadded base64url of the URL text.
    package static func urlIdentifier(_ url: String) -> String {
        Data(url.utf8).base64EncodedString().replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        guard let path = Self.path(for: key) else { return .notFound }
        return try await endpoint.get(path, provider: name, timeout: timeout, now: clock.now()).answer(Self.parse)
    }

    /// Summarises a v3 object document (`data.attributes`).
    package static func parse(_ document: JSONValue) throws -> EnrichmentAnswer {
        guard let attributes = document[path: "data.attributes"], case .object = attributes else {
            throw RiposteError.invalid("virustotal: the answer has no data.attributes")
        }
        let stats = attributes["last_analysis_stats"] ?? .object([])
        let malicious = stats.int("malicious") ?? 0
        let suspicious = stats.int("suspicious") ?? 0
        let engines = ["harmless", "malicious", "suspicious", "undetected", "timeout"].compactMap { stats.int($0) }.reduce(0, +)
        var summary = SummaryBuilder()
        summary.add("malicious", malicious)
        summary.add("suspicious", suspicious)
        summary.add("harmless", stats.int("harmless"))
        summary.add("undetected", stats.int("undetected"))
        summary.add("engines", engines)
        summary.add("reputation", attributes.int("reputation"))
        summary.add("last_analysis_date", attributes.int("last_analysis_date"))
        summary.add("as_owner", attributes.string("as_owner"))
        summary.add("asn", attributes.int("asn"))
        summary.add("country", attributes.string("country"))
        summary.add("registrar", attributes.string("registrar"))
        summary.add("meaningful_name", attributes.string("meaningful_name"))
        summary.add("type_description", attributes.string("type_description"))
        summary.add("id", document[path: "data.id"]?.stringValue)
        let verdict: Verdict?
        if malicious >= maliciousEngines {
            verdict = .malicious
        } else if malicious + suspicious > 0 {
            verdict = .suspicious
        } else {
            verdict = nil
        }
        let reason = verdict.map { _ in
            "VirusTotal: \(malicious) of \(engines) engines flag it malicious, \(suspicious) suspicious"
        }
        return EnrichmentAnswer(status: .found, summary: summary.value, verdict: verdict, reason: reason)
    }
}

/// AbuseIPDB APIv2: `GET /api/v2/check?ipAddress=…&maxAgeInDays=90` with `Key` and `Accept: application/json`.
package struct AbuseIPDBProvider: EnrichmentProvider {
    package let name = "abuseipdb"
    package let supportedTypes: Set<ObservableType> = [.ipv4, .ipv6]
    package let sendsDataOutside = true
    package var endpoint: ProviderEndpoint
    package var clock: WallClock
    package var maxAgeInDays = 90
    /// `abuseConfidenceScore` at or above which an address is `malicious`, and `suspicious`.
    package static let maliciousScore = 75
    package static let suspiciousScore = 25

    package init(endpoint: ProviderEndpoint, clock: WallClock = .system) {
        self.endpoint = endpoint
        self.clock = clock
    }

    package static let defaultBaseURL = URL(string: "https://api.abuseipdb.com")!

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        guard supportedTypes.contains(key.type) else { return .notFound }
        return try await endpoint.get(
            "/api/v2/check", query: [("ipAddress", key.value), ("maxAgeInDays", String(maxAgeInDays))], provider: name,
            timeout: timeout, now: clock.now()
        ).answer(Self.parse)
    }

    package static func parse(_ document: JSONValue) throws -> EnrichmentAnswer {
        guard let data = document["data"], case .object = data, let score = data.int("abuseConfidenceScore") else {
            throw RiposteError.invalid("abuseipdb: the answer has no data.abuseConfidenceScore")
        }
        var summary = SummaryBuilder()
        summary.add("abuse_confidence_score", score)
        summary.add("total_reports", data.int("totalReports"))
        summary.add("distinct_users", data.int("numDistinctUsers"))
        summary.add("country_code", data.string("countryCode"))
        summary.add("isp", data.string("isp"))
        summary.add("usage_type", data.string("usageType"))
        summary.add("domain", data.string("domain"))
        summary.add("is_tor", data.bool("isTor"))
        summary.add("is_whitelisted", data.bool("isWhitelisted"))
        summary.add("last_reported_at", data.string("lastReportedAt"))
        let verdict: Verdict? =
            score >= maliciousScore ? .malicious : score >= suspiciousScore ? .suspicious : nil
        let reason = verdict.map { _ in
            "AbuseIPDB: abuse confidence \(score)% from \(data.int("totalReports") ?? 0) reports"
        }
        return EnrichmentAnswer(status: .found, summary: summary.value, verdict: verdict, reason: reason)
    }
}

/// AlienVault OTX: `GET /api/v1/indicators/{IPv4|IPv6|domain|hostname|file|url}/{value}/general` with
/// `X-OTX-API-KEY`. Pulses are community reports: any makes the value `suspicious`, never more.
package struct OTXProvider: EnrichmentProvider {
    package let name = "otx"
    package let supportedTypes: Set<ObservableType> = [.ipv4, .ipv6, .domain, .hostname, .url, .md5, .sha1, .sha256]
    package let sendsDataOutside = true
    package var endpoint: ProviderEndpoint
    package var clock: WallClock

    package init(endpoint: ProviderEndpoint, clock: WallClock = .system) {
        self.endpoint = endpoint
        self.clock = clock
    }

    package static let defaultBaseURL = URL(string: "https://otx.alienvault.com")!

    /// The OTX indicator section name for a type.
    package static func section(for type: ObservableType) -> String? {
        switch type {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case .domain: "domain"
        case .hostname: "hostname"
        case .md5, .sha1, .sha256: "file"
        case .url: "url"
        case .email, .username: nil
        }
    }

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        guard let section = Self.section(for: key.type) else { return .notFound }
        let path = "/api/v1/indicators/\(section)/\(ProviderEndpoint.encode(key.value))/general"
        return try await endpoint.get(path, provider: name, timeout: timeout, now: clock.now()).answer(Self.parse)
    }

    package static func parse(_ document: JSONValue) throws -> EnrichmentAnswer {
        guard let pulseInfo = document["pulse_info"], let count = pulseInfo.int("count") else {
            throw RiposteError.invalid("otx: the answer has no pulse_info.count")
        }
        let pulses = pulseInfo["pulses"]?.arrayValue ?? []
        let names = pulses.prefix(5).compactMap { $0.string("name") }
        let whitelisted = (document["validation"]?.arrayValue ?? []).compactMap { $0.string("source") }
        var summary = SummaryBuilder()
        summary.add("pulse_count", count)
        summary.add("pulses", .array(names.map { .string($0) }))
        summary.add("reputation", document.int("reputation"))
        summary.add("country_code", document.string("country_code"))
        summary.add("asn", document.string("asn"))
        if !whitelisted.isEmpty { summary.add("validation", .array(whitelisted.map { .string($0) })) }
        // A value OTX itself validates as benign (whitelisted) gets no verdict from pulses.
        let verdict: Verdict? = count > 0 && whitelisted.isEmpty ? .suspicious : nil
        let reason = verdict.map { _ in
            "OTX: in \(count) pulse\(count == 1 ? "" : "s")" + (names.first.map { " (\"\($0)\"…)" } ?? "")
        }
        return EnrichmentAnswer(status: .found, summary: summary.value, verdict: verdict, reason: reason)
    }
}

/// GreyNoise Community API: `GET /v3/community/{ip}` with `key`; 404 means not seen.
package struct GreyNoiseProvider: EnrichmentProvider {
    package let name = "greynoise"
    package let supportedTypes: Set<ObservableType> = [.ipv4]
    package let sendsDataOutside = true
    package var endpoint: ProviderEndpoint
    package var clock: WallClock

    package init(endpoint: ProviderEndpoint, clock: WallClock = .system) {
        self.endpoint = endpoint
        self.clock = clock
    }

    package static let defaultBaseURL = URL(string: "https://api.greynoise.io")!

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        guard key.type == .ipv4 else { return .notFound }
        let path = "/v3/community/" + ProviderEndpoint.encode(key.value)
        return try await endpoint.get(path, provider: name, timeout: timeout, now: clock.now()).answer(Self.parse)
    }

    package static func parse(_ document: JSONValue) throws -> EnrichmentAnswer {
        guard let noise = document.bool("noise"), let riot = document.bool("riot") else {
            throw RiposteError.invalid("greynoise: the answer has no noise/riot flags")
        }
        let classification = document.string("classification")
        var summary = SummaryBuilder()
        summary.add("noise", noise)
        summary.add("riot", riot)
        summary.add("classification", classification)
        summary.add("name", document.string("name"))
        summary.add("last_seen", document.string("last_seen"))
        summary.add("link", document.string("link"))
        // Benign and RIOT (known business services) say "not a threat"; verdicts only go up, so
        // they contribute nothing, and the summary shows them.
        let malicious = classification == "malicious"
        return EnrichmentAnswer(
            status: .found, summary: summary.value, verdict: malicious ? .malicious : nil,
            reason: malicious
                ? "GreyNoise classifies it malicious" + (noise ? " (seen mass-scanning the internet)" : "") : nil)
    }
}
