// The `riposte` command line: parses a subcommand and runs it; errors go to stderr in one line.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIntel
import RiposteRuntime
import RiposteStoreSQLite
import RiposteWeb

/// Entry point of the `riposte` executable.
package enum RiposteCLI {
    package static let version = "0.1.0"

    static let usage = """
        riposte — incident-response orchestration

        Usage: riposte <command> [options]

        Commands:
          serve          run the platform (API, workers)
          migrate        create or upgrade the store in a data directory
          token create   print a new API token (works offline on the data directory)
          ingest         send alert files to a server, or straight into a data directory
          intel import   load an indicator list (plaintext or CSV)
          version        print the version

        Run 'riposte <command> --help' for a command's options.
        """

    /// Runs the command line and returns the process exit status.
    package static func main(_ arguments: [String]) async -> ExitCode {
        guard let command = arguments.first else {
            print(usage)
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "serve": return try await ServeCommand.run(rest)
            case "migrate": return try await MigrateCommand.run(rest)
            case "token": return try await TokenCommand.run(rest)
            case "ingest": return try await IngestCommand.run(rest)
            case "intel": return try await IntelCommand.run(rest)
            case "version", "--version":
                print("riposte \(version)")
                return .success
            case "help", "--help", "-h":
                print(usage)
                return .success
            default:
                throw UsageError(message: "unknown command '\(command)'; run 'riposte --help'")
            }
        } catch let error as UsageError {
            printError(error.message)
            return .usage
        } catch let error as RiposteError {
            printError(error.message)
            return .failure
        } catch {
            printError(String(describing: error))
            return .failure
        }
    }

    /// One clear line on stderr.
    static func printError(_ message: String) {
        let line = "riposte: error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Prints `help` and returns success when `--help` was given.
    static func helpRequested(_ arguments: Arguments, _ help: String) -> Bool {
        guard arguments.has("help") else { return false }
        print(help)
        return true
    }

    /// The app configuration from common flags (`--data`, `--listen`, `--database`, `--config`).
    static func configuration(_ arguments: Arguments) throws -> AppConfiguration {
        var flags: [String: String] = [:]
        flags["RIPOSTE_DATA"] = arguments["data"]
        flags["RIPOSTE_LISTEN"] = arguments["listen"]
        flags["RIPOSTE_DATABASE"] = arguments["database"]
        return try AppConfiguration(flags: flags, environment: .process, configFile: arguments["config"])
    }

    /// Opens the store of the data directory, runs `body`, and closes the store either way.
    static func withStore<T: Sendable>(
        _ configuration: AppConfiguration, ids: any IDGenerator, migrate: Bool = true,
        _ body: (SQLiteStore) async throws -> T
    ) async throws -> T {
        let store = try await Application.openStore(configuration, ids: ids, migrate: migrate)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    static func makeLogger(_ configuration: AppConfiguration) -> Logger {
        Logger(label: "riposte", level: configuration.logLevel, handler: JSONLinesLogHandler(descriptor: 2))
    }
}

/// `riposte serve`.
enum ServeCommand {
    static let help = """
        Usage: riposte serve [--data DIR] [--listen HOST:PORT] [--database URL] [--config FILE]

        Runs Riposte. On first start with an empty data directory it creates the user 'admin'
        and prints its password once.
          --data DIR          data directory (RIPOSTE_DATA, default ./riposte-data)
          --listen HOST:PORT  address to listen on (RIPOSTE_LISTEN, default 127.0.0.1:8080)
          --database URL      sqlite: (RIPOSTE_DATABASE, default sqlite:)
          --config FILE       JSON configuration file (flags and environment win over it)
        """

    static func run(_ raw: [String]) async throws -> ExitCode {
        let arguments = try Arguments(raw, valueOptions: ["data", "listen", "database", "config"])
        if RiposteCLI.helpRequested(arguments, help) { return .success }
        guard arguments.positionals.isEmpty else { throw UsageError(message: "serve takes no arguments") }
        let configuration = try RiposteCLI.configuration(arguments)
        let logger = RiposteCLI.makeLogger(configuration)
        let app = try await Application.build(configuration, logger: logger)
        if let password = try await app.access.bootstrapAdminIfNeeded() {
            print("Created user 'admin' with password: \(password.value)")
            print("Store it now; it is not shown again.")
            // Standard output may be a pipe or a log file: show the password now, not at exit.
            fflush(nil)  // all C output streams; `stdout` itself is not concurrency-safe to name
        }
        let port = try await app.start()
        logger.notice(
            "riposte listening",
            [
                "http.address": "\(configuration.http.host):\(port)", "data": configuration.dataDirectory,
                "version": RiposteCLI.version,
            ])
        try await app.run()
        logger.notice("riposte stopped")
        return .success
    }
}

/// `riposte migrate`.
enum MigrateCommand {
    static let help = """
        Usage: riposte migrate [--data DIR] [--config FILE]

        Creates the store in the data directory, or applies the migrations it lacks, and exits.
        """

    static func run(_ raw: [String]) async throws -> ExitCode {
        let arguments = try Arguments(raw, valueOptions: ["data", "config", "database"])
        if RiposteCLI.helpRequested(arguments, help) { return .success }
        let configuration = try RiposteCLI.configuration(arguments)
        let applied = try await RiposteCLI.withStore(configuration, ids: ULIDGenerator(), migrate: false) { store in
            try await store.migrate()
        }
        let latest = SQLiteStore.knownMigrations.max() ?? 0
        if applied.isEmpty {
            print("store at \(configuration.sqlitePath) is up to date (schema version \(latest))")
        } else {
            print("store at \(configuration.sqlitePath) migrated: applied \(applied.map(String.init).joined(separator: ", "))")
        }
        return .success
    }
}

/// `riposte token create`.
enum TokenCommand {
    static let help = """
        Usage: riposte token create --name NAME --role admin|analyst|viewer|ingest [--source SOURCE] [--data DIR]

        Creates an API token in the data directory (the server may be running) and prints it.
        The token is shown once; only its hash is stored. An `ingest` token may only post alerts;
        with --source it may only post alerts of that source (?source=SOURCE).
        """

    static func run(_ raw: [String]) async throws -> ExitCode {
        guard let subcommand = raw.first, subcommand != "--help", subcommand != "-h" else {
            print(help)
            return raw.isEmpty ? .usage : .success
        }
        guard subcommand == "create" else {
            throw UsageError(message: "unknown token command '\(subcommand)'; try 'token create'")
        }
        let arguments = try Arguments(Array(raw.dropFirst()), valueOptions: ["name", "role", "source", "data", "config"])
        if RiposteCLI.helpRequested(arguments, help) { return .success }
        let name = try arguments.require("name")
        let roleName = try arguments.require("role")
        guard let role = Role(rawValue: roleName) else {
            throw UsageError(message: "unknown role '\(roleName)'; use admin, analyst, viewer or ingest")
        }
        let configuration = try RiposteCLI.configuration(arguments)
        let ids = ULIDGenerator()
        let issued = try await RiposteCLI.withStore(configuration, ids: ids) { store in
            try await AccessService(store: store, ids: ids, clock: .system).createToken(
                name: name, role: role, source: arguments["source"])
        }
        print(issued.secret.value)
        return .success
    }
}
