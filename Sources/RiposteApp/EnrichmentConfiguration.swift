// Which enrichment providers run and how: read from RIPOSTE_ENRICH_* and per-provider keys.
package import Foundation
import RiposteCore
package import RiposteIntel
package import RiposteRuntime

/// The enrichment providers of one process.
///
/// Keys (all optional):
/// - `RIPOSTE_ENRICH_PROVIDERS`: comma list of `dns`, `geoip`, `rdap`, `virustotal`, `abuseipdb`, `otx`,
///   `greynoise`, or `none`. Default: `dns`, plus `geoip` when a database path is set. Providers that
///   send observables to a third party (`rdap` and the reputation services) run only when listed.
/// - `RIPOSTE_GEOIP_CITY_DB`, `RIPOSTE_GEOIP_ASN_DB`: MaxMind DB files (GeoIP2/GeoLite2 City or Country; ASN).
/// - `RIPOSTE_VT_API_KEY`, `RIPOSTE_ABUSEIPDB_API_KEY`, `RIPOSTE_OTX_API_KEY`, `RIPOSTE_GREYNOISE_API_KEY`:
///   the key itself, `env:NAME` (read from that variable) or `file:/path`; required when the provider is listed.
/// - Per provider, with prefix `RIPOSTE_DNS_`, `RIPOSTE_GEOIP_`, `RIPOSTE_RDAP_`, `RIPOSTE_VT_`,
///   `RIPOSTE_ABUSEIPDB_`, `RIPOSTE_OTX_`, `RIPOSTE_GREYNOISE_`: `RATE_PER_MIN` (token bucket, 0 = no limit),
///   `TIMEOUT` (seconds per lookup), `TTL` (seconds an answer is reused), and for the web ones `BASE_URL`
///   (https, or http to a loopback address).
package struct EnrichmentConfiguration: Sendable {
    /// One provider to build.
    package struct Provider: Sendable {
        package var name: String
        package var settings: ProviderSettings
        package var baseURL: URL?
        package var key: Secret?
    }

    package var providers: [Provider] = []
    package var geoipCityDB: String?
    package var geoipASNDB: String?
    /// Observables per `enrich.observable` job.
    package var observablesPerJob = 500

    /// Defaults per provider: env prefix, external, needs a key, rate/min, timeout s, TTL s, base URL.
    struct Known {
        var prefix: String
        var external: Bool
        var keyed: Bool
        var rate: Int
        var timeout: Int
        var ttl: Int
        var baseURL: URL?
    }

    static let known: [(String, Known)] = [
        ("dns", Known(prefix: "RIPOSTE_DNS_", external: false, keyed: false, rate: 0, timeout: 5, ttl: 3_600, baseURL: nil)),
        (
            "geoip",
            Known(prefix: "RIPOSTE_GEOIP_", external: false, keyed: false, rate: 0, timeout: 2, ttl: 604_800, baseURL: nil)
        ),
        (
            "rdap",
            Known(
                prefix: "RIPOSTE_RDAP_", external: true, keyed: false, rate: 30, timeout: 15, ttl: 86_400,
                baseURL: RDAPProvider.defaultBaseURL)
        ),
        (
            "virustotal",
            Known(
                prefix: "RIPOSTE_VT_", external: true, keyed: true, rate: 4, timeout: 15, ttl: 86_400,
                baseURL: VirusTotalProvider.defaultBaseURL)
        ),
        (
            "abuseipdb",
            Known(
                prefix: "RIPOSTE_ABUSEIPDB_", external: true, keyed: true, rate: 10, timeout: 15, ttl: 86_400,
                baseURL: AbuseIPDBProvider.defaultBaseURL)
        ),
        (
            "otx",
            Known(
                prefix: "RIPOSTE_OTX_", external: true, keyed: true, rate: 60, timeout: 15, ttl: 86_400,
                baseURL: OTXProvider.defaultBaseURL)
        ),
        (
            "greynoise",
            Known(
                prefix: "RIPOSTE_GREYNOISE_", external: true, keyed: true, rate: 10, timeout: 15, ttl: 86_400,
                baseURL: GreyNoiseProvider.defaultBaseURL)
        ),
    ]

    package init() {}

    /// Reads the keys from `values` (the merged RIPOSTE_ settings); `env:` key references are read
    /// from `process`. - Throws: `.invalid` naming the key (never a key's value).
    package init(values: Environment, process: Environment) throws {
        geoipCityDB = values["RIPOSTE_GEOIP_CITY_DB"]
        geoipASNDB = values["RIPOSTE_GEOIP_ASN_DB"]
        observablesPerJob = try values.int("RIPOSTE_ENRICH_JOB_SIZE", default: observablesPerJob, range: 1...1000)
        let names: [String]
        if let list = values["RIPOSTE_ENRICH_PROVIDERS"] {
            names =
                list == "none"
                ? []
                : list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        } else {
            names = ["dns"] + (geoipCityDB != nil || geoipASNDB != nil ? ["geoip"] : [])
        }
        var seen: Set<String> = []
        for name in names {
            guard let known = Self.known.first(where: { $0.0 == name })?.1 else {
                throw RiposteError.invalid(
                    "RIPOSTE_ENRICH_PROVIDERS: unknown provider '\(name)'; known: \(Self.known.map(\.0).joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else { continue }
            if name == "geoip", geoipCityDB == nil, geoipASNDB == nil {
                throw RiposteError.invalid("the geoip provider needs RIPOSTE_GEOIP_CITY_DB or RIPOSTE_GEOIP_ASN_DB")
            }
            let prefix = known.prefix
            var key: Secret?
            if known.keyed {
                guard let reference = values[prefix + "API_KEY"] else {
                    throw RiposteError.invalid("the \(name) provider needs \(prefix)API_KEY (the key, env:NAME or file:/path)")
                }
                key = try Secret(reading: reference, for: prefix + "API_KEY", environment: process)
            }
            var baseURL = known.baseURL
            if known.baseURL != nil, let text = values[prefix + "BASE_URL"] {
                baseURL = try AppConfiguration.pollerURL(prefix + "BASE_URL", text)
            }
            let rate = try values.int(prefix + "RATE_PER_MIN", default: known.rate, range: 0...1_000_000)
            let settings = ProviderSettings(
                timeout: .seconds(try values.int(prefix + "TIMEOUT", default: known.timeout, range: 1...300)),
                ratePerMinute: rate == 0 ? nil : Double(rate),
                ttl: .seconds(try values.int(prefix + "TTL", default: known.ttl, range: 1...(365 * 86_400))))
            providers.append(Provider(name: name, settings: settings, baseURL: baseURL, key: key))
        }
    }

    /// Builds the providers. - Throws: `.invalid` when a MaxMind database cannot be opened.
    package func makeProviders(http: any HTTPClient, resolver: SystemResolver, clock: WallClock) throws
        -> [Enricher.Configured]
    {
        try providers.map { configured in
            let endpoint = configured.baseURL.map {
                ProviderEndpoint(baseURL: $0, keyHeader: nil, key: configured.key, http: http)
            }
            func keyed(_ header: String) -> ProviderEndpoint {
                var endpoint = endpoint!
                endpoint.keyHeader = header
                return endpoint
            }
            let provider: any EnrichmentProvider
            switch configured.name {
            case "dns": provider = DNSProvider(resolver: resolver)
            case "geoip":
                provider = GeoIPProvider(
                    city: try geoipCityDB.map { try MaxMindDatabase(path: $0) },
                    asn: try geoipASNDB.map { try MaxMindDatabase(path: $0) })
            case "rdap": provider = RDAPProvider(endpoint: endpoint!, clock: clock)
            case "virustotal": provider = VirusTotalProvider(endpoint: keyed("x-apikey"), clock: clock)
            case "abuseipdb": provider = AbuseIPDBProvider(endpoint: keyed("Key"), clock: clock)
            case "otx": provider = OTXProvider(endpoint: keyed("X-OTX-API-KEY"), clock: clock)
            case "greynoise": provider = GreyNoiseProvider(endpoint: keyed("key"), clock: clock)
            default: throw RiposteError.invalid("unknown enrichment provider \(configured.name)")
            }
            return Enricher.Configured(provider, configured.settings)
        }
    }
}
