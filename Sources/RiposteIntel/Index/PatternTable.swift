// STIX patterns the index cannot reduce to values (AND across objects, MATCHES, LIKE, ranges, NOT …),
// compiled once per index build and evaluated against the observables of each alert. Patterns that need one
// of a few values (`[ipv4-addr:value = '…' AND file:hashes.MD5 = '…']`) are filed under those values, so an
// alert tries only the patterns its own values name plus the few that no value anchors.
import RiposteCore

/// One compiled pattern with its index row metadata.
struct IndexedPattern: Sendable {
    var text: String
    var evaluator: STIXPatternEvaluator
    /// The observable types the pattern's comparisons can read: an alert with none of them cannot match.
    var observableTypes: Set<ObservableType>
    /// Values one of which an alert must carry for the pattern to hold; nil when no value is required.
    var anchors: Set<PatternAnchor>?
    var metadata: EntryMetadata
}

/// The patterns of an index, filed by anchor value, with a pre-filter by observable type for the rest.
struct PatternTable: Sendable {
    let patterns: [IndexedPattern]
    /// Positions in `patterns` by anchor, each list ascending.
    private let anchored: [PatternAnchor: [Int]]
    /// Positions of the patterns without anchors, ascending: tried on every alert with a type they read.
    private let unanchored: [Int]

    init(patterns: [IndexedPattern]) {
        self.patterns = patterns
        var anchored: [PatternAnchor: [Int]] = [:]
        var unanchored: [Int] = []
        for (position, pattern) in patterns.enumerated() {
            guard let anchors = pattern.anchors else {
                unanchored.append(position)
                continue
            }
            for anchor in anchors { anchored[anchor, default: []].append(position) }
        }
        self.anchored = anchored
        self.unanchored = unanchored
    }

    /// Compiles `pattern` for evaluation; nil when it does not parse or needs what the evaluator refuses.
    static func compile(_ text: String, metadata: EntryMetadata) -> IndexedPattern? {
        guard let parsed = try? STIXPatternParser.parse(text), let evaluator = try? STIXPatternEvaluator(parsed) else {
            return nil
        }
        return IndexedPattern(
            text: text, evaluator: evaluator, observableTypes: STIXPatternEvaluator.observableTypes(in: parsed),
            anchors: STIXPatternEvaluator.anchors(in: parsed), metadata: metadata)
    }

    /// For each pattern that holds for `observables` (one alert), in table order, the positions of the
    /// observables it names.
    func forEachMatch(in observables: [ObservableDraft], _ body: (IndexedPattern, [Int]) -> Void) {
        guard !patterns.isEmpty, !observables.isEmpty else { return }
        var named: [Int] = []
        for observable in observables {
            for anchor in PatternAnchor.carried(by: observable) { named += anchored[anchor] ?? [] }
        }
        named.sort()
        let present = Set(observables.map(\.type))
        // Merges the two ascending lists, skipping repeats, so each candidate is tried once and in order.
        var anchoredIndex = 0
        var unanchoredIndex = 0
        var previous = -1
        while anchoredIndex < named.count || unanchoredIndex < unanchored.count {
            let position: Int
            if unanchoredIndex == unanchored.count
                || (anchoredIndex < named.count && named[anchoredIndex] < unanchored[unanchoredIndex])
            {
                position = named[anchoredIndex]
                anchoredIndex += 1
            } else {
                position = unanchored[unanchoredIndex]
                unanchoredIndex += 1
            }
            guard position != previous else { continue }
            previous = position
            let pattern = patterns[position]
            guard !pattern.observableTypes.isDisjoint(with: present) else { continue }
            if let positions = pattern.evaluator.namedObservables(observables) { body(pattern, positions) }
        }
    }
}
