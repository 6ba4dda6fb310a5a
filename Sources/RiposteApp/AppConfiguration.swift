// Everything `riposte serve` can be told, read with priority flag > environment > config file > default.
import Foundation
package import RiposteCore
package import RiposteHTTP
package import RiposteIngest
package import RiposteRuntime

/// The configuration of one Riposte process.
package struct AppConfiguration: Sendable {
    /// Where the embedded store and other local state live.
    package var dataDirectory: String = "./riposte-data"
    /// `sqlite:` (the embedded default). PostgreSQL arrives with its adapter.
    package var database: String = "sqlite:"
    package var http = HTTPServerConfiguration()
    package var grouping = GroupingPolicy()
    package var fingerprinter = Fingerprinter.default
    /// Per-source fields that identify a repeat when the payload has no id (see `DedupKeys`).
    package var dedupKeys = DedupKeys()
    package var ingestLimits = IngestLimits()
    /// Alert bodies received and not yet committed, in bytes, before ingest answers 429.
    package var ingestMaxPendingBytes = 256 << 20
    /// The `Retry-After` of a 429 from ingest.
    package var ingestRetryAfterSeconds = 1
    /// Shared HMAC secrets by alert source, for senders that sign bodies instead of sending a token.
    package var sourceSecrets: [String: Secret] = [:]
    /// Days of past observables that newly imported indicators are matched against (0 turns it off).
    package var retroHuntDays = 30
    /// Syslog listeners to open (none by default).
    package var syslogListeners: [SyslogListenerConfiguration] = []
    package var logLevel: LogLevel = .info
    /// Jobs claimed per worker round (each lists the new alerts of one ingest call).
    package var jobBatchSize = 64
    /// The QRadar offense poller, when `RIPOSTE_QRADAR_URL` is set.
    package var qradarPoller: QRadarPollerConfiguration?
    /// Time between QRadar polls.
    package var qradarInterval: Duration = .seconds(60)
    /// The Sentinel incident poller, when `RIPOSTE_SENTINEL_TENANT_ID` is set.
    package var sentinelPoller: SentinelPollerConfiguration?
    /// Time between Sentinel polls.
    package var sentinelInterval: Duration = .seconds(60)
    /// Enrichment providers (see `EnrichmentConfiguration` for the keys).
    package var enrichment = EnrichmentConfiguration()

    package init() {}

    /// Reads the configuration.
    ///
    /// Keys (environment name; config-file name in dotted form, e.g. `grouping.window`):
    /// - `RIPOSTE_DATA` (path, default `./riposte-data`)
    /// - `RIPOSTE_LISTEN` (`HOST:PORT`, default `127.0.0.1:8080`)
    /// - `RIPOSTE_DATABASE` (`sqlite:`; default `sqlite:`)
    /// - `RIPOSTE_GROUPING_WINDOW` (seconds, 1…2592000, default 3600)
    /// - `RIPOSTE_GROUPING_MAX_ALERTS` (alerts per incident before an overflow incident opens, for alerts no
    ///   grouping rule matches; 1…1000000, default no limit)
    /// - `RIPOSTE_GROUPING_FIELDS` (comma list of source, rule, src_ip, dst_ip, host, user, title;
    ///   default `source,rule,src_ip,dst_ip,host,user`)
    /// - `RIPOSTE_DEDUP_KEYS` (per source, the fields that make the source ref of an alert whose payload has
    ///   no id: `cef=rule_uid,src_ip,dst_ip,time;syslog=host,title,time`; fields source, rule_uid, rule_name,
    ///   severity, src_ip, dst_ip, host, user, title, time; default none)
    /// - `RIPOSTE_INGEST_MAX_RECORDS` (per request, default 10000), `RIPOSTE_INGEST_MAX_RECORD_BYTES`
    ///   (default 1048576)
    /// - `RIPOSTE_INGEST_MAX_PENDING_BYTES` (alert bodies received and not yet committed before ingest
    ///   answers 429; default 268435456), `RIPOSTE_INGEST_RETRY_AFTER` (seconds, default 1)
    /// - `RIPOSTE_INGEST_HMAC_<SOURCE>` (the shared secret of source `<source>`, lower-cased, for bodies
    ///   signed with `X-Riposte-Signature`; at least 16 characters; `file:PATH` reads it from a file)
    /// - `RIPOSTE_RETRO_HUNT_DAYS` (past observables new indicators are matched against; 0–365, default 30)
    /// - `RIPOSTE_SYSLOG` (comma-separated listeners, `udp://0.0.0.0:5514/cef,tcp://0.0.0.0:6514/leef`; format
    ///   cef, leef or syslog; options after `?`: max_message_bytes, receive_buffer_bytes, max_connections,
    ///   queue_capacity, batch_size — see `SyslogListenerConfiguration`)
    /// - `RIPOSTE_QRADAR_URL` (the console, `https://qradar.example.com`; setting it turns the QRadar
    ///   offense poller on), `RIPOSTE_QRADAR_TOKEN` (an authorized service token, sent as `SEC`;
    ///   `file:PATH` reads it from a file), `RIPOSTE_QRADAR_INTERVAL` (seconds between polls, 5…86400,
    ///   default 60), `RIPOSTE_QRADAR_API_VERSION` (the `Version` header, default 14.0),
    ///   `RIPOSTE_QRADAR_PAGE_SIZE` (offenses per request, 1…500, default 50), `RIPOSTE_QRADAR_LOOKBACK`
    ///   (seconds the first poll reaches back, 0 for every offense, default 86400),
    ///   `RIPOSTE_QRADAR_TIMEOUT` (seconds per call, 1…300, default 30)
    /// - `RIPOSTE_SENTINEL_TENANT_ID` (setting it turns the Sentinel incident poller on; then all of
    ///   these are required:) `RIPOSTE_SENTINEL_CLIENT_ID`, `RIPOSTE_SENTINEL_CLIENT_SECRET` (`file:PATH`
    ///   reads it from a file), `RIPOSTE_SENTINEL_SUBSCRIPTION_ID`, `RIPOSTE_SENTINEL_RESOURCE_GROUP`,
    ///   `RIPOSTE_SENTINEL_WORKSPACE`; optional `RIPOSTE_SENTINEL_INTERVAL` (seconds, 5…86400, default 60),
    ///   `RIPOSTE_SENTINEL_API_VERSION` (default 2024-03-01), `RIPOSTE_SENTINEL_PAGE_SIZE` (1…1000,
    ///   default 50), `RIPOSTE_SENTINEL_LOOKBACK` (seconds, 0 for every incident, default 86400),
    ///   `RIPOSTE_SENTINEL_TIMEOUT` (seconds per call, default 30), `RIPOSTE_SENTINEL_LOGIN_URL`
    ///   (default https://login.microsoftonline.com) and `RIPOSTE_SENTINEL_MANAGEMENT_URL` (default
    ///   https://management.azure.com) for other Azure clouds.
    ///   Poller URLs must be https (http only to a loopback address); tokens and secrets never appear
    ///   in logs, errors or `GET /api/v1/pollers`.
    /// - `RIPOSTE_ENRICH_PROVIDERS`, `RIPOSTE_GEOIP_CITY_DB`, `RIPOSTE_GEOIP_ASN_DB`, `RIPOSTE_VT_API_KEY`, … and the
    ///   per-provider `…_RATE_PER_MIN`, `…_TIMEOUT`, `…_TTL`, `…_BASE_URL`: see `EnrichmentConfiguration`.
    /// - `RIPOSTE_LOG_LEVEL` (debug, info, notice, warning, error; default info)
    /// - the HTTP keys of `HTTPServerConfiguration.init(environment:)` (`RIPOSTE_HTTP_MAX_BODY_BYTES`,
    ///   `RIPOSTE_HTTP_CONNECTION_LIMIT`, `RIPOSTE_HTTP_TIMEOUT_SECONDS`, `RIPOSTE_HTTP_THREADS`,
    ///   `RIPOSTE_TLS_CERT`, `RIPOSTE_TLS_KEY`).
    ///
    /// `flags` (from the command line, already in environment-key form) win over `environment`,
    /// which wins over the JSON object in `configFile`.
    /// - Throws: `.invalid` naming the key and the problem.
    package init(flags: [String: String], environment: Environment, configFile: String?) throws {
        var merged: [String: String] = [:]
        if let configFile { merged = try Self.readConfigFile(configFile) }
        merged.merge(environment.values.filter { $0.key.hasPrefix("RIPOSTE_") }) { _, new in new }
        merged.merge(flags) { _, new in new }
        let values = Environment(merged)

        dataDirectory = values["RIPOSTE_DATA"] ?? dataDirectory
        database = values["RIPOSTE_DATABASE"] ?? database
        guard database == "sqlite:" || database.hasPrefix("sqlite:") else {
            throw RiposteError.invalid(
                "RIPOSTE_DATABASE '\(Self.redactedURL(database))' is not supported yet; use sqlite: (PostgreSQL comes with its adapter)"
            )
        }
        do {
            http = try HTTPServerConfiguration(environment: merged)
            if let listen = values["RIPOSTE_LISTEN"] {
                let (host, port) = try HTTPServerConfiguration.parseAddress(listen)
                http.host = host
                http.port = port
            } else {
                http.host = "127.0.0.1"
                http.port = 8080
            }
        } catch let error as HTTPConfigurationError {
            throw RiposteError.invalid(error.description)
        }
        grouping.window = .seconds(try values.int("RIPOSTE_GROUPING_WINDOW", default: 3600, range: 1...2_592_000))
        if let fields = values["RIPOSTE_GROUPING_FIELDS"] { fingerprinter = try Fingerprinter(parsing: fields) }
        if values["RIPOSTE_GROUPING_MAX_ALERTS"] != nil {
            grouping.maxAlerts = try values.int("RIPOSTE_GROUPING_MAX_ALERTS", default: 0, range: 1...1_000_000)
        }
        if let keys = values["RIPOSTE_DEDUP_KEYS"] { dedupKeys = try DedupKeys(parsing: keys) }
        ingestLimits.maxRecords = try values.int(
            "RIPOSTE_INGEST_MAX_RECORDS", default: ingestLimits.maxRecords, range: 1...1_000_000)
        ingestLimits.maxRecordBytes = try values.int(
            "RIPOSTE_INGEST_MAX_RECORD_BYTES", default: ingestLimits.maxRecordBytes, range: 1024...(64 << 20))
        ingestMaxPendingBytes = try values.int(
            "RIPOSTE_INGEST_MAX_PENDING_BYTES", default: ingestMaxPendingBytes, range: (1 << 20)...(1 << 40))
        ingestRetryAfterSeconds = try values.int(
            "RIPOSTE_INGEST_RETRY_AFTER", default: ingestRetryAfterSeconds, range: 1...3600)
        sourceSecrets = try Self.sourceSecrets(merged, process: environment)
        retroHuntDays = try values.int("RIPOSTE_RETRO_HUNT_DAYS", default: retroHuntDays, range: 0...365)
        syslogListeners = try (values["RIPOSTE_SYSLOG"] ?? "").split(separator: ",").map {
            try SyslogListenerConfiguration(parsing: String($0).trimmingCharacters(in: .whitespaces))
        }
        try readPollers(values, process: environment)
        enrichment = try EnrichmentConfiguration(values: values, process: environment)
        if let level = values["RIPOSTE_LOG_LEVEL"] {
            guard let parsed = LogLevel.allCases.first(where: { $0.name == level.lowercased() }) else {
                throw RiposteError.invalid("RIPOSTE_LOG_LEVEL must be one of debug, info, notice, warning, error")
            }
            logLevel = parsed
        }
    }

    /// The QRadar and Sentinel poller keys; their secrets may name `env:` variables of `process`.
    mutating func readPollers(_ values: Environment, process: Environment) throws {
        if let url = values["RIPOSTE_QRADAR_URL"] {
            guard let token = values["RIPOSTE_QRADAR_TOKEN"] else {
                throw RiposteError.invalid("RIPOSTE_QRADAR_TOKEN is required when RIPOSTE_QRADAR_URL is set")
            }
            var qradar = QRadarPollerConfiguration(
                baseURL: try Self.pollerURL("RIPOSTE_QRADAR_URL", url),
                token: try Secret(reading: token, for: "RIPOSTE_QRADAR_TOKEN", environment: process))
            qradar.apiVersion = values["RIPOSTE_QRADAR_API_VERSION"] ?? qradar.apiVersion
            guard Double(qradar.apiVersion) != nil else {
                throw RiposteError.invalid("RIPOSTE_QRADAR_API_VERSION must be a version number such as 14.0")
            }
            qradar.pageSize = try values.int("RIPOSTE_QRADAR_PAGE_SIZE", default: qradar.pageSize, range: 1...500)
            qradar.timeout = .seconds(try values.int("RIPOSTE_QRADAR_TIMEOUT", default: 30, range: 1...300))
            let lookback = try values.int("RIPOSTE_QRADAR_LOOKBACK", default: 86_400, range: 0...(10 * 365 * 86_400))
            qradar.initialLookback = lookback == 0 ? nil : .seconds(lookback)
            qradarInterval = .seconds(try values.int("RIPOSTE_QRADAR_INTERVAL", default: 60, range: 5...86_400))
            qradarPoller = qradar
        } else if values["RIPOSTE_QRADAR_TOKEN"] != nil {
            throw RiposteError.invalid("RIPOSTE_QRADAR_TOKEN is set but RIPOSTE_QRADAR_URL is not")
        }

        if let tenant = values["RIPOSTE_SENTINEL_TENANT_ID"] {
            func required(_ key: String) throws -> String {
                guard let value = values[key] else {
                    throw RiposteError.invalid("\(key) is required when RIPOSTE_SENTINEL_TENANT_ID is set")
                }
                return value
            }
            var sentinel = SentinelPollerConfiguration(
                tenantID: tenant, clientID: try required("RIPOSTE_SENTINEL_CLIENT_ID"),
                clientSecret: try Secret(
                    reading: try required("RIPOSTE_SENTINEL_CLIENT_SECRET"), for: "RIPOSTE_SENTINEL_CLIENT_SECRET",
                    environment: process),
                subscriptionID: try required("RIPOSTE_SENTINEL_SUBSCRIPTION_ID"),
                resourceGroup: try required("RIPOSTE_SENTINEL_RESOURCE_GROUP"),
                workspace: try required("RIPOSTE_SENTINEL_WORKSPACE"))
            if let login = values["RIPOSTE_SENTINEL_LOGIN_URL"] {
                sentinel.loginURL = try Self.pollerURL("RIPOSTE_SENTINEL_LOGIN_URL", login)
            }
            if let management = values["RIPOSTE_SENTINEL_MANAGEMENT_URL"] {
                sentinel.managementURL = try Self.pollerURL("RIPOSTE_SENTINEL_MANAGEMENT_URL", management)
            }
            sentinel.apiVersion = values["RIPOSTE_SENTINEL_API_VERSION"] ?? sentinel.apiVersion
            sentinel.pageSize = try values.int("RIPOSTE_SENTINEL_PAGE_SIZE", default: sentinel.pageSize, range: 1...1000)
            sentinel.timeout = .seconds(try values.int("RIPOSTE_SENTINEL_TIMEOUT", default: 30, range: 1...300))
            let lookback = try values.int("RIPOSTE_SENTINEL_LOOKBACK", default: 86_400, range: 0...(10 * 365 * 86_400))
            sentinel.initialLookback = lookback == 0 ? nil : .seconds(lookback)
            sentinelInterval = .seconds(try values.int("RIPOSTE_SENTINEL_INTERVAL", default: 60, range: 5...86_400))
            sentinelPoller = sentinel
        }
    }

    /// A poller base URL: https, or http to a loopback address (a local simulator or tunnel).
    static func pollerURL(_ key: String, _ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.user == nil, url.password == nil, url.query == nil
        else {
            throw RiposteError.invalid("\(key) must be an absolute http(s) URL without credentials or query")
        }
        let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw RiposteError.invalid(
                "\(key) must use https (http is allowed only to a loopback address): the credential travels with each call")
        }
        return url
    }

    /// `RIPOSTE_INGEST_HMAC_<SOURCE>` entries as source name → secret.
    static func sourceSecrets(_ values: [String: String], process: Environment) throws -> [String: Secret] {
        let prefix = "RIPOSTE_INGEST_HMAC_"
        var secrets: [String: Secret] = [:]
        for (key, value) in values where key.hasPrefix(prefix) && key.count > prefix.count {
            let secret = try Secret(reading: value, for: key, environment: process)
            guard secret.value.utf8.count >= 16 else {
                throw RiposteError.invalid("\(key) must be at least 16 characters (the value is not shown)")
            }
            secrets[key.dropFirst(prefix.count).lowercased()] = secret
        }
        return secrets
    }

    /// The SQLite file inside the data directory.
    package var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("riposte.sqlite") }

    /// A JSON object of dotted keys (`grouping.window`) or environment keys to scalar values.
    static func readConfigFile(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RiposteError.invalid("cannot read config file \(path)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw RiposteError.invalid("config file \(path) is not a JSON object")
        }
        var values: [String: String] = [:]
        for (key, value) in object {
            let envKey = key.hasPrefix("RIPOSTE_") ? key : "RIPOSTE_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
            switch value {
            case let text as String: values[envKey] = text
            case let number as NSNumber: values[envKey] = number.stringValue
            default: throw RiposteError.invalid("config file \(path): '\(key)' must be a string or a number")
            }
        }
        return values
    }

    /// A database URL with any password replaced, for error messages.
    static func redactedURL(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
        return String(url[..<scheme.upperBound]) + "<redacted>" + String(url[at...])
    }
}
