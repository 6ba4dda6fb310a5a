// A small command-line parser: `--flag value`, `--flag=value`, boolean flags, positionals, `--help`.

/// Exit statuses of `riposte`: 0 success, 1 failure, 2 usage error.
package enum ExitCode: Int32, Sendable {
    case success = 0, failure = 1, usage = 2
}

/// A wrong command line; printed with the command's usage hint and exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Parsed arguments of one subcommand.
struct Arguments {
    private(set) var options: [String: String] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positionals: [String] = []

    /// Parses `arguments` allowing `valueOptions` (take a value) and `switchOptions` (no value).
    init(_ arguments: [String], valueOptions: Set<String>, switchOptions: Set<String> = []) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positionals += arguments[index...]
                break
            }
            if argument == "-h" { switches.insert("help"); continue }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if name == "help" || switchOptions.contains(name) {
                guard inlineValue == nil else { throw UsageError(message: "--\(name) takes no value") }
                switches.insert(name)
            } else if valueOptions.contains(name) {
                if let inlineValue {
                    options[name] = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError(message: "--\(name) needs a value") }
                    options[name] = arguments[index]
                    index += 1
                }
            } else {
                throw UsageError(message: "unknown option --\(name)")
            }
        }
    }

    subscript(option: String) -> String? { options[option] }
    func has(_ flag: String) -> Bool { switches.contains(flag) }

    /// The value of a required option. - Throws: `UsageError`.
    func require(_ option: String) throws -> String {
        guard let value = options[option], !value.isEmpty else { throw UsageError(message: "--\(option) is required") }
        return value
    }
}
