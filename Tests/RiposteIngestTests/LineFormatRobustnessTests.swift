// Hostile input for the line formats: seeded random mutations, truncations and pathological lines.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@testable import RiposteIngest

@Suite("Line formats under hostile input")
struct LineFormatRobustnessTests {
    static let seeds: [String] = [
        #"<13>Sep 10 23:54:51 172.30.0.20 ASM:CEF:0|F5|ASM|11.0.0|IP Enforcer|Name with \| pipe|8|src=192.168.74.169 spt=80 "#
            + #"cs1=a b\=c cs1Label=policy rt=Sep 10 2010 23:54:50 request=/x?y\=1 msg=line\nnext dst=10.0.0.1 externalId=7"#,
        "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^devTime=Jan 05 2024 12:00:00",
        "<34>1 2003-10-11T22:14:15.003Z host app 1 ID47 [exampleSDID@32473 iut=\"3\" e=\"a\\\"b\"] \u{FEFF}message text",
        "<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed for lonvick on /dev/pts/8",
    ]
    static let specials: [UInt8] = Array("|=\\ \t\n\r<>[]\"^:-0123456789xCEFLEEF".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0xE2]

    /// Mutates `seed`: random byte changes, insertions of the formats' special characters, deletions, truncation.
    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes[index] = specials.randomElement(using: &rng)!
            case 1: bytes.insert(specials.randomElement(using: &rng)!, at: index)
            case 2: bytes.remove(at: index)
            default: bytes.removeSubrange(index...)
            }
        }
        return bytes
    }

    /// A parse must succeed or throw a RiposteError that names where (a column, or a byte).
    func check(_ body: [UInt8], _ parse: ([UInt8]) throws -> Void) {
        do {
            try parse(body)
        } catch let error as RiposteError {
            #expect(error.code == .invalid || error.code == .tooLarge)
            #expect(error.message.contains("column") || error.message.contains("byte"), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("Random mutations of valid lines never crash and fail with a positioned error", arguments: [1, 2, 3])
    func mutations(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let start = ContinuousClock.now
        for _ in 0..<1000 {
            for template in Self.seeds {
                let body = Self.mutate(Array(template.utf8), &rng)
                check(body) { _ = try CEFParser(year: 2024).parse(body: $0, limits: .default) }
                check(body) { _ = try LEEFParser(year: 2024).parse(body: $0, limits: .default) }
                check(body) { _ = try SyslogMessage.parse($0, year: 2024) }
                var framer = SyslogFraming(maxFrameBytes: 64)
                _ = framer.append(body)
                _ = framer.finish()
            }
        }
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test("Every truncation of a valid line parses or fails cleanly")
    func truncations() {
        for template in Self.seeds {
            let bytes = Array(template.utf8)
            for end in 0...bytes.count {
                let body = Array(bytes[..<end])
                check(body) { _ = try CEFParser().parse(body: $0, limits: .default) }
                check(body) { _ = try LEEFParser().parse(body: $0, limits: .default) }
                check(body) { _ = try SyslogMessage.parse($0) }
            }
        }
    }

    @Test("Pathological 1 MB lines parse in linear time")
    func pathological() throws {
        let size = 1 << 20
        let bodies: [[UInt8]] = [
            Array("CEF:0|V|P|1|i|n|1|a=".utf8) + Array(repeating: UInt8(ascii: "="), count: size),
            Array("CEF:0|V|P|1|i|n|1|a=".utf8) + Array(String(repeating: "b=", count: size / 2).utf8),
            Array("CEF:0|V|P|1|i|n|1|".utf8) + Array(String(repeating: "k=v ", count: size / 4).utf8),
            Array("CEF:0|V|P|1|i|n|1|a=".utf8) + Array(String(repeating: "x ", count: size / 2).utf8),
            Array("CEF:0|V|P|1|i|n|1|a=".utf8) + Array(repeating: UInt8(ascii: "\\"), count: size),
            Array(repeating: UInt8(ascii: "|"), count: size),
            Array("LEEF:2.0|V|P|1|i|^|".utf8) + Array(repeating: UInt8(ascii: "^"), count: size),
            Array("LEEF:1.0|V|P|1|i|a=".utf8) + Array(String(repeating: "x\t", count: size / 2).utf8),
            Array("<13>1 - h a - - ".utf8) + Array(String(repeating: "[a b=\"c\"]", count: size / 9).utf8),
        ]
        let limits = IngestLimits(maxRecordBytes: 2 << 20)
        for body in bodies {
            let start = ContinuousClock.now
            check(body) { _ = try CEFParser().parse(body: $0, limits: limits) }
            check(body) { _ = try LEEFParser().parse(body: $0, limits: limits) }
            check(body) { _ = try SyslogMessage.parse($0) }
            #expect(ContinuousClock.now - start < .seconds(3), "\(String(decoding: body.prefix(24), as: UTF8.self))")
        }
    }
}
