// STIX patterns the index cannot reduce to values (AND across objects, MATCHES, LIKE, ranges, NOT …),
// compiled once per index build and evaluated against the observables of each alert.
import RiposteCore

/// One compiled pattern with its index row metadata.
struct IndexedPattern: Sendable {
    var text: String
    var evaluator: STIXPatternEvaluator
    /// The observable types the pattern's comparisons can read: an alert with none of them cannot match.
    var observableTypes: Set<ObservableType>
    var metadata: EntryMetadata
}

/// The patterns of an index, with a pre-filter by observable type.
struct PatternTable: Sendable {
    let patterns: [IndexedPattern]

    /// Compiles `pattern` for evaluation; nil when it does not parse or needs what the evaluator refuses.
    static func compile(_ text: String, metadata: EntryMetadata) -> IndexedPattern? {
        guard let parsed = try? STIXPatternParser.parse(text), let evaluator = try? STIXPatternEvaluator(parsed) else {
            return nil
        }
        return IndexedPattern(
            text: text, evaluator: evaluator, observableTypes: STIXPatternEvaluator.observableTypes(in: parsed),
            metadata: metadata)
    }

    /// For each pattern that holds for `observables` (one alert), the positions of the observables it names.
    func forEachMatch(in observables: [ObservableDraft], _ body: (IndexedPattern, [Int]) -> Void) {
        guard !patterns.isEmpty, !observables.isEmpty else { return }
        let present = Set(observables.map(\.type))
        for pattern in patterns where !pattern.observableTypes.isDisjoint(with: present) {
            if let named = pattern.evaluator.namedObservables(observables) { body(pattern, named) }
        }
    }
}
