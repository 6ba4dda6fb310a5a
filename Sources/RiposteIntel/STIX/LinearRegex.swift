// A regular-expression matcher for STIX `MATCHES` that runs in time linear in the subject (a Pike VM over a
// compiled NFA), so a hostile pattern from a feed cannot stall enrichment the way a backtracking engine can.
//
// Why not Swift `Regex`: it backtracks, and on Swift 6.3 for Linux a match of `^(a+)+$` against 40 `a`s and a `!`
// ran for over a minute and did not stop when its task was cancelled, so no time guard around it is possible.
//
// Supported (the PCRE subset feeds use): literals, `.`, `[…]` classes with ranges and negation, `\d \D \w \W
// \s \S \b \B`, escaped punctuation, `\n \r \t \f \v`, `\xHH`, `\x{H…}`, `^ $`, groups `( )` and `(?: )`, alternation,
// `* + ? {n} {n,} {n,m}` (lazy forms accepted: only whether a match exists matters). Back-references and
// look-around are rejected, since no linear-time engine can run them.
import RiposteCore

/// A compiled pattern; `matches` searches for a match anywhere in the subject, as PCRE does.
struct LinearRegex: Sendable, Hashable {
    fileprivate enum Instruction: Sendable, Hashable {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
        case any
        case split(Int, Int)
        case jump(Int)
        case lineStart, lineEnd, wordBoundary(Bool)
        case match
    }

    private let program: [Instruction]

    /// - Throws: `UnrecognizedIndicator` naming the problem and its 1-based position in the pattern, or saying
    ///   the compiled pattern is larger than `maxInstructions` (counted repetition expands).
    init(_ pattern: String, maxInstructions: Int = 10_000) throws(UnrecognizedIndicator) {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.parseAll()
        var compiler = RegexCompiler(maxInstructions: maxInstructions)
        try compiler.emit(node)
        try compiler.append(.match)
        program = compiler.program
    }

    /// Whether some substring of `subject` matches. Time O(subject × program).
    func matches(_ subject: String) -> Bool {
        let input = Array(subject.unicodeScalars)
        var current = ThreadList(capacity: program.count)
        var next = ThreadList(capacity: program.count)
        for position in 0...input.count {
            // Unanchored search: a new thread starts at every position.
            if addThread(0, at: position, input: input, to: &current) { return true }
            guard position < input.count else { break }
            let scalar = input[position]
            next.clear()
            for pc in current.items {
                let advances: Bool
                switch program[pc] {
                case .scalar(let expected): advances = scalar == expected
                case .set(let set): advances = set.contains(scalar)
                case .any: advances = scalar != "\n"
                default: advances = false
                }
                if advances, addThread(pc + 1, at: position + 1, input: input, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds `pc` and what it reaches without consuming input; true when that reaches `match`.
    private func addThread(_ start: Int, at position: Int, input: [Unicode.Scalar], to list: inout ThreadList) -> Bool {
        var stack = [start]
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let target): stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .lineStart: if position == 0 { stack.append(pc + 1) }
            case .lineEnd:
                if position == input.count || (position == input.count - 1 && input[position] == "\n") {
                    stack.append(pc + 1)
                }
            case .wordBoundary(let expected):
                let before = position > 0 && ScalarSet.isWord(input[position - 1])
                let after = position < input.count && ScalarSet.isWord(input[position])
                if (before != after) == expected { stack.append(pc + 1) }
            case .scalar, .set, .any: break
            }
        }
        return false
    }
}

/// A sparse set of program counters, cleared in O(1) (Russ Cox, "Regular Expression Matching: the Virtual Machine
/// Approach"); `items` keeps insertion order, which is all a yes/no match needs.
private struct ThreadList {
    private var dense: [Int]
    private var sparse: [Int]
    private(set) var items: ArraySlice<Int>

    init(capacity: Int) {
        dense = Array(repeating: 0, count: capacity)
        sparse = Array(repeating: 0, count: capacity)
        items = dense[0..<0]
    }

    mutating func clear() { items = dense[0..<0] }

    /// Inserts `pc`; false when it was already present.
    mutating func insert(_ pc: Int) -> Bool {
        let count = items.count
        let slot = sparse[pc]
        if slot < count && dense[slot] == pc { return false }
        sparse[pc] = count
        dense[count] = pc
        items = dense[0..<(count + 1)]
        return true
    }
}

/// A character class: ranges and the shorthand classes, optionally negated.
struct ScalarSet: Sendable, Hashable {
    enum Shorthand: Sendable, Hashable { case digit, word, space }

    var ranges: [ClosedRange<UInt32>] = []
    var shorthands: [(Shorthand, Bool)] = []
    var negated = false

    static func == (lhs: ScalarSet, rhs: ScalarSet) -> Bool {
        lhs.ranges == rhs.ranges && lhs.negated == rhs.negated
            && lhs.shorthands.map(\.0) == rhs.shorthands.map(\.0) && lhs.shorthands.map(\.1) == rhs.shorthands.map(\.1)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ranges)
        hasher.combine(negated)
    }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = ranges.contains { $0.contains(scalar.value) }
        if !found {
            found = shorthands.contains { shorthand, isNegated in Self.test(shorthand, scalar) != isNegated }
        }
        return found != negated
    }

    static func test(_ shorthand: Shorthand, _ scalar: Unicode.Scalar) -> Bool {
        switch shorthand {
        case .digit: scalar.value &- 0x30 < 10
        case .word: isWord(scalar)
        case .space: [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(scalar.value)
        }
    }

    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A) || value &- 0x30 < 10 || value == 0x5F
    }
}

/// The syntax tree of a regex.
private indirect enum RegexNode {
    case empty
    case instruction(LinearRegex.Instruction)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repeated(RegexNode, min: Int, max: Int?)
}

/// Recursive-descent regex parser (depth-limited).
private struct RegexParser {
    let scalars: [Unicode.Scalar]
    var index = 0
    var depth = 0

    func failure(_ reason: String) -> UnrecognizedIndicator {
        UnrecognizedIndicator(reason: "regex position \(index + 1): \(reason)")
    }

    mutating func parseAll() throws(UnrecognizedIndicator) -> RegexNode {
        let node = try alternation()
        guard index == scalars.count else { throw failure("unbalanced ')'") }
        return node
    }

    mutating func alternation() throws(UnrecognizedIndicator) -> RegexNode {
        var branches = [try sequence()]
        while index < scalars.count && scalars[index] == "|" {
            index += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func sequence() throws(UnrecognizedIndicator) -> RegexNode {
        var items: [RegexNode] = []
        while index < scalars.count && scalars[index] != "|" && scalars[index] != ")" {
            var atom = try self.atom()
            while let (min, max) = try quantifier() {
                if case .instruction(let instruction) = atom, Self.isAssertion(instruction) {
                    throw failure("quantifier after an anchor")
                }
                atom = .repeated(atom, min: min, max: max)
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .sequence(items))
    }

    static func isAssertion(_ instruction: LinearRegex.Instruction) -> Bool {
        switch instruction {
        case .lineStart, .lineEnd, .wordBoundary: true
        default: false
        }
    }

    mutating func quantifier() throws(UnrecognizedIndicator) -> (Int, Int?)? {
        guard index < scalars.count else { return nil }
        let bounds: (Int, Int?)
        switch scalars[index] {
        case "*": bounds = (0, nil)
        case "+": bounds = (1, nil)
        case "?": bounds = (0, 1)
        case "{":
            guard let counted = try countedBounds() else { return nil }
            bounds = counted
            index -= 1
        default: return nil
        }
        index += 1
        if index < scalars.count && scalars[index] == "?" { index += 1 }  // lazy: same yes/no answer
        if index < scalars.count && scalars[index] == "+" { throw failure("possessive quantifiers are not supported") }
        return bounds
    }

    /// `{n}`, `{n,}`, `{n,m}` (each at most 1000); nil when `{` is a literal (as PCRE reads `{x`).
    mutating func countedBounds() throws(UnrecognizedIndicator) -> (Int, Int?)? {
        let start = index
        index += 1
        func number() -> Int? {
            var value: Int?
            while index < scalars.count, scalars[index].value &- 0x30 < 10, (value ?? 0) <= 100_000 {
                value = (value ?? 0) * 10 + Int(scalars[index].value - 0x30)
                index += 1
            }
            return value
        }
        guard let min = number() else {
            index = start
            return nil
        }
        var max: Int? = min
        if index < scalars.count && scalars[index] == "," {
            index += 1
            max = number()
        }
        guard index < scalars.count && scalars[index] == "}" else {
            index = start
            return nil
        }
        index += 1
        guard min <= 1000, (max ?? min) <= 1000, min <= (max ?? min) else {
            throw failure("counted repetition must be {n,m} with n ≤ m ≤ 1000")
        }
        return (min, max)
    }

    mutating func atom() throws(UnrecognizedIndicator) -> RegexNode {
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "(":
            if index < scalars.count && scalars[index] == "?" {
                guard index + 1 < scalars.count && scalars[index + 1] == ":" else {
                    throw failure("look-around, named groups and inline flags are not supported")
                }
                index += 2
            }
            depth += 1
            guard depth <= 64 else { throw failure("groups nested deeper than 64") }
            let inner = try alternation()
            guard index < scalars.count && scalars[index] == ")" else { throw failure("missing ')'") }
            index += 1
            depth -= 1
            return inner
        case ".": return .instruction(.any)
        case "^": return .instruction(.lineStart)
        case "$": return .instruction(.lineEnd)
        case "[": return .instruction(.set(try characterClass()))
        case "\\": return try escape(inClass: false)
        case "*", "+", "?": throw failure("quantifier with nothing to repeat")
        default: return .instruction(.scalar(scalar))
        }
    }

    mutating func escape(inClass: Bool) throws(UnrecognizedIndicator) -> RegexNode {
        guard index < scalars.count else { throw failure("pattern ends with '\\'") }
        let scalar = scalars[index]
        index += 1
        func shorthand(_ kind: ScalarSet.Shorthand, negated: Bool) -> RegexNode {
            var set = ScalarSet()
            set.shorthands = [(kind, negated)]
            return .instruction(.set(set))
        }
        switch scalar {
        case "d": return shorthand(.digit, negated: false)
        case "D": return shorthand(.digit, negated: true)
        case "w": return shorthand(.word, negated: false)
        case "W": return shorthand(.word, negated: true)
        case "s": return shorthand(.space, negated: false)
        case "S": return shorthand(.space, negated: true)
        case "b" where !inClass: return .instruction(.wordBoundary(true))
        case "B" where !inClass: return .instruction(.wordBoundary(false))
        case "n": return .instruction(.scalar("\n"))
        case "r": return .instruction(.scalar("\r"))
        case "t": return .instruction(.scalar("\t"))
        case "f": return .instruction(.scalar("\u{0C}"))
        case "v": return .instruction(.scalar("\u{0B}"))
        case "x": return .instruction(.scalar(try hexEscape()))
        case "1"..."9": throw failure("back-references are not supported")
        default:
            guard !ScalarSet.isWord(scalar) else { throw failure("unknown escape '\\\(scalar)'") }
            return .instruction(.scalar(scalar))
        }
    }

    /// `\xHH` or `\x{H…}` after the `x`.
    mutating func hexEscape() throws(UnrecognizedIndicator) -> Unicode.Scalar {
        var digits: [Unicode.Scalar] = []
        if index < scalars.count && scalars[index] == "{" {
            index += 1
            while index < scalars.count && scalars[index] != "}" && digits.count <= 6 {
                digits.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw failure("unterminated \\x{…}") }
            index += 1
        } else {
            guard index + 2 <= scalars.count else { throw failure("\\x needs two hex digits") }
            digits = Array(scalars[index..<(index + 2)])
            index += 2
        }
        guard !digits.isEmpty, let value = UInt32(String(String.UnicodeScalarView(digits)), radix: 16),
            let scalar = Unicode.Scalar(value)
        else { throw failure("invalid \\x escape") }
        return scalar
    }

    /// `[…]` after the `[`.
    mutating func characterClass() throws(UnrecognizedIndicator) -> ScalarSet {
        var set = ScalarSet()
        if index < scalars.count && scalars[index] == "^" {
            set.negated = true
            index += 1
        }
        var first = true
        while true {
            guard index < scalars.count else { throw failure("missing ']'") }
            let scalar = scalars[index]
            if scalar == "]" && !first {
                index += 1
                return set
            }
            first = false
            index += 1
            var low: Unicode.Scalar
            if scalar == "\\" {
                switch try escape(inClass: true) {
                case .instruction(.scalar(let escaped)): low = escaped
                case .instruction(.set(let shorthand)):
                    set.shorthands += shorthand.shorthands
                    continue
                default: throw failure("invalid escape in a class")
                }
            } else {
                low = scalar
            }
            if index + 1 < scalars.count && scalars[index] == "-" && scalars[index + 1] != "]" {
                index += 1
                var high = scalars[index]
                index += 1
                if high == "\\" {
                    guard case .instruction(.scalar(let escaped)) = try escape(inClass: true) else {
                        throw failure("invalid range end")
                    }
                    high = escaped
                }
                guard low.value <= high.value else { throw failure("range out of order") }
                set.ranges.append(low.value...high.value)
            } else {
                set.ranges.append(low.value...low.value)
            }
        }
    }
}

/// Compiles the tree into Pike VM instructions, capping the program size.
private struct RegexCompiler {
    let maxInstructions: Int
    var program: [LinearRegex.Instruction] = []

    mutating func append(_ instruction: LinearRegex.Instruction) throws(UnrecognizedIndicator) {
        guard program.count < maxInstructions else {
            throw UnrecognizedIndicator(reason: "regex compiles to more than \(maxInstructions) instructions")
        }
        program.append(instruction)
    }

    mutating func emit(_ node: RegexNode) throws(UnrecognizedIndicator) {
        switch node {
        case .empty: break
        case .instruction(let instruction): try append(instruction)
        case .sequence(let items): for item in items { try emit(item) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (position, branch) in branches.enumerated() {
                if position < branches.count - 1 {
                    let split = program.count
                    try append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(program.count)
                    try append(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repeated(let inner, let min, let max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    try append(.split(program.count + 1, 0))
                    try emit(inner)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let split = program.count
                try append(.split(split + 1, 0))
                try emit(inner)
                try append(.jump(split))
                program[split] = .split(split + 1, program.count)
            }
        }
    }
}
