// `riposte ingest` and `riposte intel import`: files to a running server over HTTP, or with
// `--data` straight into a data directory (the server may be running; SQLite WAL allows it).
import Foundation
import RiposteCore
import RiposteIntel
import RiposteRuntime
import RiposteStoreSQLite
import RiposteWeb

/// `riposte ingest FILE… --source FORMAT`.
enum IngestCommand {
    static let help = """
        Usage: riposte ingest FILE... --source FORMAT [--server URL] [--token TOKEN] [--retries N]
               riposte ingest FILE... --source FORMAT --data DIR

        Sends alerts (a JSON object, a JSON array or NDJSON per file) to a running server
        (--server, default http://127.0.0.1:8080; token from --token or RIPOSTE_TOKEN), or with
        --data stores them straight into a data directory. NDJSON files are sent in batches of
        --batch lines (default 1000). A batch the server cannot take now (429, 503, no connection)
        is sent again after its Retry-After or an exponential back-off, up to --retries times
        (default 8); resending is safe, as alerts are deduplicated on their source reference.
        """

    static func run(_ raw: [String]) async throws -> ExitCode {
        let arguments = try Arguments(raw, valueOptions: ["source", "server", "token", "data", "config", "batch", "retries"])
        if RiposteCLI.helpRequested(arguments, help) { return .success }
        let source = try arguments.require("source")
        guard !arguments.positionals.isEmpty else { throw UsageError(message: "ingest needs at least one FILE") }
        guard let batchSize = Int(arguments["batch"] ?? "1000"), (1...10_000).contains(batchSize) else {
            throw UsageError(message: "--batch must be an integer from 1 to 10000")
        }
        guard let retries = Int(arguments["retries"] ?? "8"), (0...100).contains(retries) else {
            throw UsageError(message: "--retries must be an integer from 0 to 100")
        }
        let sink: any AlertSink
        if arguments["data"] != nil {
            sink = try await LocalAlertSink(configuration: RiposteCLI.configuration(arguments))
        } else {
            sink = try HTTPAlertSink(
                server: arguments["server"], token: arguments["token"], source: source,
                retry: RetryPolicy(attempts: retries + 1))
        }
        var failed = false
        for path in arguments.positionals {
            do {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw RiposteError.invalid("cannot read \(path)")
                }
                var accepted = 0, duplicates = 0
                for batch in Self.batches(Array(data), size: batchSize) {
                    let result = try await sink.send(batch, source: source)
                    accepted += result.accepted
                    duplicates += result.duplicates
                }
                print("\(path): \(accepted) alerts accepted, \(duplicates) duplicates")
            } catch {
                failed = true
                RiposteCLI.printError("\(path): \((error as? RiposteError)?.message ?? String(describing: error))")
            }
        }
        await sink.close()
        return failed ? .failure : .success
    }

    /// A whole JSON document is one batch; NDJSON is cut into batches of `size` lines.
    static func batches(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
        let firstSignificant = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
        if firstSignificant == UInt8(ascii: "[") || lines.count <= size { return [bytes] }
        return stride(from: 0, to: lines.count, by: size).map { start in
            Array(lines[start..<min(start + size, lines.count)].joined(separator: [0x0A]))
        }
    }
}

/// Where `riposte ingest` sends alerts.
protocol AlertSink: Sendable {
    func send(_ body: [UInt8], source: String) async throws -> (accepted: Int, duplicates: Int)
    func close() async
}

/// Stores alerts straight into a data directory.
final class LocalAlertSink: AlertSink {
    private let store: any RiposteStore
    private let intake: AlertIntake

    init(configuration: AppConfiguration) async throws {
        let ids = ULIDGenerator()
        let store = try await Application.openStore(configuration, ids: ids)
        self.store = store
        // The stored grouping and suppression rules apply offline too.
        let rules = LiveAlertRules()
        do {
            try await RuleService(
                store: store, ids: ids, clock: .system, live: rules, defaultFingerprinter: configuration.fingerprinter,
                defaultPolicy: configuration.grouping, dedupKeys: configuration.dedupKeys
            ).reload()
        } catch {
            await store.close()
            throw error
        }
        intake = AlertIntake(
            store: store, ids: ids, clock: .system, fingerprinter: configuration.fingerprinter,
            grouping: configuration.grouping, limits: configuration.ingestLimits, metrics: Metrics(), rules: rules)
    }

    func send(_ body: [UInt8], source: String) async throws -> (accepted: Int, duplicates: Int) {
        let outcomes = try await intake.ingest(body: body, source: source)
        return (outcomes.count, outcomes.filter(\.duplicate).count)
    }

    func close() async { await store.close() }
}

/// When and how often a batch is sent again.
struct RetryPolicy: Sendable {
    /// Sends in all, the first included.
    var attempts = 9
    var firstDelay: Duration = .milliseconds(500)
    var maxDelay: Duration = .seconds(30)
    /// Waits between attempts; tests record instead of sleeping.
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// The wait before attempt `attempt + 1` (0-based `attempt` just failed): the server's Retry-After
    /// when it sent one (at most `maxDelay`), else `firstDelay` doubled per attempt with ±20 % jitter.
    func delay(after attempt: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let seconds = Int(retryAfter.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return min(.seconds(seconds), maxDelay)
        }
        let base = min(firstDelay * (1 << min(attempt, 20)), maxDelay)
        return base * Double.random(in: 0.8...1.2)
    }
}

/// Posts alerts to a running server, retrying what the server could not take yet.
final class HTTPAlertSink: AlertSink {
    private let endpoint: URL
    private let token: Secret
    private let client: any HTTPClient
    private let retry: RetryPolicy

    init(
        server: String?, token: String?, source: String, retry: RetryPolicy = RetryPolicy(),
        client: any HTTPClient = URLSessionHTTPClient()
    ) throws {
        let base = server ?? ProcessInfo.processInfo.environment["RIPOSTE_SERVER"] ?? "http://127.0.0.1:8080"
        guard let tokenText = token ?? ProcessInfo.processInfo.environment["RIPOSTE_TOKEN"], !tokenText.isEmpty else {
            throw UsageError(message: "a token is needed: --token TOKEN or RIPOSTE_TOKEN (or use --data DIR)")
        }
        var components = URLComponents(string: base.hasSuffix("/") ? String(base.dropLast()) : base)
        components?.path += "/api/v1/alerts"
        components?.queryItems = [URLQueryItem(name: "source", value: source)]
        guard let url = components?.url, url.scheme == "http" || url.scheme == "https" else {
            throw UsageError(message: "--server must be an http:// or https:// URL")
        }
        endpoint = url
        self.token = Secret(tokenText)
        self.client = client
        self.retry = retry
    }

    func send(_ body: [UInt8], source: String) async throws -> (accepted: Int, duplicates: Int) {
        let headers: HeaderFields = ["Authorization": "Bearer " + token.value, "Content-Type": "application/json"]
        let request = OutboundRequest(method: "POST", url: endpoint, headers: headers, body: body, timeout: .seconds(60))
        var attempt = 0
        while true {
            let response: OutboundResponse
            do {
                response = try await client.send(request)
            } catch let error as RiposteError where error.code == .unavailable && attempt + 1 < retry.attempts {
                try await retry.sleep(retry.delay(after: attempt, retryAfter: nil))
                attempt += 1
                continue
            }
            if (response.status == 429 || response.status == 503) && attempt + 1 < retry.attempts {
                try await retry.sleep(retry.delay(after: attempt, retryAfter: response.headers["Retry-After"]))
                attempt += 1
                continue
            }
            return try Self.outcome(response, attempts: attempt + 1)
        }
    }

    private static func outcome(_ response: OutboundResponse, attempts: Int) throws -> (accepted: Int, duplicates: Int) {
        let object = try? JSONParser.parse(response.body)
        guard response.status == 202 else {
            let message = object?[path: "error.message"]?.stringValue ?? "HTTP \(response.status)"
            let tries = attempts > 1 ? " (after \(attempts) attempts)" : ""
            throw RiposteError.invalid("server answered \(response.status)\(tries): \(message)")
        }
        let accepted = object?["accepted"]?.numberValue.flatMap { Int(exactly: $0) } ?? 0
        let duplicates = object?["duplicates"]?.numberValue.flatMap { Int(exactly: $0) } ?? 0
        return (accepted, duplicates)
    }

    func close() async {}
}

/// `riposte intel import FILE --format plaintext|csv|stix|misp --feed NAME`.
enum IntelCommand {
    static let help = """
        Usage: riposte intel import FILE --format plaintext|csv|stix|misp --feed NAME
                 [--preset feodotracker|sslbl|urlhaus|threatfox | --column NAME_OR_INDEX] --data DIR

        Loads an indicator list, a STIX 2.1 bundle or a MISP event into the data directory. A running server picks the new
        indicators up at its next start; to update a running server, POST the file to
        /api/v1/indicators instead.
        """

    static func run(_ raw: [String]) async throws -> ExitCode {
        guard let subcommand = raw.first, subcommand != "--help", subcommand != "-h" else {
            print(help)
            return raw.isEmpty ? .usage : .success
        }
        guard subcommand == "import" else {
            throw UsageError(message: "unknown intel command '\(subcommand)'; try 'intel import'")
        }
        let arguments = try Arguments(
            Array(raw.dropFirst()), valueOptions: ["format", "feed", "preset", "column", "data", "config"])
        if RiposteCLI.helpRequested(arguments, help) { return .success }
        guard arguments.positionals.count == 1, let path = arguments.positionals.first else {
            throw UsageError(message: "intel import needs exactly one FILE")
        }
        let formatName = try arguments.require("format")
        guard let format = IntelService.ListFormat(rawValue: formatName) else {
            throw UsageError(message: "unknown format '\(formatName)'; use plaintext, csv, stix or misp")
        }
        let feed = try arguments.require("feed")
        var mapping: CSVMapping?
        if format == .csv {
            switch (arguments["preset"], arguments["column"]) {
            case (let preset?, _):
                do { mapping = try CSVMapping.preset(named: preset) } catch let error as RiposteError {
                    throw UsageError(message: error.message)
                }
            case (nil, let column?): mapping = CSVMapping(valueColumn: CSVMapping.Column(column), header: .commentOrFirstRow)
            case (nil, nil): throw UsageError(message: "CSV needs --preset or --column")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw RiposteError.invalid("cannot read \(path)") }
        let configuration = try RiposteCLI.configuration(arguments)
        let logger = RiposteCLI.makeLogger(configuration)
        let outcome = try await RiposteCLI.withStore(configuration, ids: ULIDGenerator()) { store in
            let intel = IntelService(store: store, clock: .system, logger: logger, metrics: Metrics())
            return try await intel.importList(Array(data), format: format, feed: feed, csvMapping: mapping, rebuildIndex: false)
        }
        print(
            "\(path): \(outcome.parsed) indicators parsed, \(outcome.summary.added) added, \(outcome.summary.updated) updated, "
                + "\(outcome.inactive) inactive (revoked or outside their validity), \(outcome.rejectedCount) rejected; "
                + "retro-hunt: \(outcome.retroHunt.matched) of \(outcome.retroHunt.scanned) past observables matched")
        for rejected in outcome.rejected.prefix(20) { print("  \(rejected.location): \(rejected.reason)") }
        return .success
    }
}
