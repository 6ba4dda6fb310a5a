// The parsers a deployment knows, by source name: the built-ins plus named declarative mappings.
import RiposteCore

/// A value-type registry of alert parsers by source name (`?source=`): the built-in parsers and
/// any number of named ``AlertMapping``s. Mapping names may not shadow a built-in or each other.
package struct AlertParserRegistry: Sendable {
    /// Every built-in parser, one per source format.
    package static let builtInParsers: [any AlertParser] = [
        GenericAlertParser(), SuricataEVEParser(), SplunkAlertParser(), ElasticAlertParser(), SentinelAlertParser(),
        QRadarOffenseParser(), WazuhAlertParser(), ZeekNoticeParser(), CEFParser(), LEEFParser(), SyslogAlertParser(),
    ]

    /// The built-in parsers only.
    package static let builtIn = AlertParserRegistry()

    private var parsers: [String: any AlertParser]
    private let builtInNames: Set<String>

    /// A registry of the built-in parsers.
    package init() {
        var parsers: [String: any AlertParser] = [:]
        for parser in Self.builtInParsers { parsers[parser.source] = parser }
        self.parsers = parsers
        self.builtInNames = Set(parsers.keys)
    }

    /// The registered source names, sorted.
    package var names: [String] { parsers.keys.sorted() }

    /// The parser for `?source=name`. - Throws: `.invalid` listing the known names.
    package func parser(named name: String) throws -> any AlertParser {
        guard let parser = parsers[name] else {
            throw RiposteError.invalid("unknown alert source '\(name)'; known: \(names.joined(separator: ", "))")
        }
        return parser
    }

    /// Registers `mapping` under `name`: 1-64 lowercase letters, digits, `-` and `_`, starting with a letter.
    /// - Throws: `.invalid` for a bad name, `.conflict` for a built-in's or an already registered name.
    package mutating func register(name: String, mapping: AlertMapping) throws {
        let bytes = Array(name.utf8)
        let valid =
            (1...64).contains(bytes.count) && bytes[0] >= 0x61 && bytes[0] <= 0x7A
            && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
        guard valid else {
            throw RiposteError.invalid(
                "mapping name '\(name)' must be 1-64 lowercase letters, digits, '-' and '_', starting with a letter")
        }
        guard !builtInNames.contains(name) else {
            throw RiposteError(.conflict, "mapping name '\(name)' is a built-in source")
        }
        guard parsers[name] == nil else { throw RiposteError(.conflict, "a mapping named '\(name)' is already registered") }
        parsers[name] = MappedAlertParser(name: name, mapping: mapping)
    }

    /// A copy with `mapping` registered under `name`. - Throws: as ``register(name:mapping:)``.
    package func registering(name: String, mapping: AlertMapping) throws -> AlertParserRegistry {
        var copy = self
        try copy.register(name: name, mapping: mapping)
        return copy
    }
}
