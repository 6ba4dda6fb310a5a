// Seeded random mutations of valid patterns, bundles and MISP events: every input either parses or fails with a
// clear error, never crashes or hangs, and a valid pattern's tree survives a round trip through white space.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("STIX and MISP random mutations")
struct STIXMutationTests {
    static let alphabet = Array("[]()':.,*=!<>-+%_ \\/abcdeftxzANDORNOTINLIKEFOLLOWEDBY0123456789é\u{00A0}\n")

    /// `text` with 1–4 random edits: delete, insert from `alphabet`, duplicate a slice, or truncate.
    static func mutate(_ text: [Character], using random: inout SplitMix64) -> [Character] {
        var result = text
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = result.isEmpty ? 0 : Int.random(in: 0..<result.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !result.isEmpty: result.remove(at: position)
            case 1: result.insert(alphabet.randomElement(using: &random) ?? "x", at: position)
            case 2 where !result.isEmpty:
                let end = min(result.count, position + Int.random(in: 1...8, using: &random))
                result.insert(contentsOf: result[position..<end], at: position)
            default: result = Array(result.prefix(position))
            }
        }
        return result
    }

    /// Whether an imported value is already in the form the classifier gives it (nothing unnormalised slipped in).
    static func isNormalized(_ indicator: Indicator) -> Bool {
        if indicator.type == .stixPattern { return (try? STIXPatternParser.parse(indicator.value)) != nil }
        guard let classified = try? IndicatorClassifier.classify(indicator.value) else { return false }
        return classified.value == indicator.value && classified.type == indicator.type
    }

    @Test("Mutated patterns parse or fail with a column; evaluation never crashes", arguments: [1, 2, 3] as [UInt64])
    func patternMutations(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let sources = STIXPatternParserTests.validPatterns.map(Array.init)
        let observables = STIXPatternMatchingTests.alert
        let clock = ContinuousClock()
        let start = clock.now
        var parsed = 0
        var rejected = 0
        for _ in 0..<3000 {
            let source = sources.randomElement(using: &random) ?? []
            let text = String(Self.mutate(source, using: &random))
            do {
                let pattern = try STIXPattern(text)
                parsed += 1
                _ = try? STIXPatternReducer.reduce(pattern)
                if let evaluator = try? STIXPatternEvaluator(pattern) { _ = evaluator.matches(observables) }
            } catch let error as RiposteError {
                #expect(error.code == .invalid && error.message.hasPrefix("pattern column "), "\(text)")
                rejected += 1
            }
        }
        #expect(parsed > 0 && rejected > 0)
        #expect(clock.now - start < .seconds(20))
    }

    @Test("Extra white space and comments do not change a pattern's tree")
    func whitespaceRoundTrip() throws {
        for text in STIXPatternParserTests.validPatterns {
            var spaced = ""
            var inString = false
            var previous: Character = " "
            for character in text {
                if character == "'" && previous != "\\" { inString.toggle() }
                spaced.append(character)
                if !inString && "[](),".contains(character) { spaced += " /* x */ \t" }
                previous = character
            }
            #expect(try STIXPattern(spaced) == STIXPattern(text), "\(spaced)")
        }
    }

    @Test("Mutated bundles import or fail as a whole with a clear error", arguments: [7, 8] as [UInt64])
    func bundleMutations(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let options = try IndicatorImportOptions(feed: "mutation", firstSeen: Date(timeIntervalSince1970: 0))
        let source = Array(
            String(decoding: try Corpus.contents("threat_intel/stix/oasis-threat-report-apt1.json"), as: UTF8.self))
        for _ in 0..<200 {
            let text = String(Self.mutate(source, using: &random))
            do {
                let result = try STIXBundleImporter.parse(Array(text.utf8), options: options)
                #expect(result.records.count + result.errorCount <= result.objectCount)
                #expect(result.indicators.allSatisfy(Self.isNormalized))
            } catch let error as RiposteError {
                #expect(error.code == .invalid, "\(error)")
            }
        }
    }

    @Test("Mutated MISP events import or fail with a clear error", arguments: [11] as [UInt64])
    func mispMutations(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let options = try IndicatorImportOptions(feed: "mutation", firstSeen: Date(timeIntervalSince1970: 0))
        let source = Array(
            String(
                decoding: try Corpus.contents("threat_intel/misp/feed/57c4445b-c548-4654-af0b-4be3950d210f.json"), as: UTF8.self))
        for _ in 0..<200 {
            let text = String(Self.mutate(source, using: &random))
            do {
                let result = try MISPEventImporter.parse(Array(text.utf8), options: options)
                #expect(result.indicators.allSatisfy(Self.isNormalized))
            } catch let error as RiposteError {
                #expect(error.code == .invalid, "\(error)")
            }
        }
    }
}
