// Runtime pieces: time formats, ids, crypto, secrets, logging, metrics, environment.
import Foundation
import RiposteCore
import Testing

@testable import RiposteRuntime

@Suite("Runtime")
struct RuntimeTests {
    @Test("RFC 3339 formats UTC with milliseconds and parses offsets back to the same instant")
    func rfc3339() throws {
        let date = Date(timeIntervalSince1970: 1_764_783_385.123)
        #expect(RFC3339.format(date) == "2025-12-03T17:36:25.123Z")
        #expect(RFC3339.parse("2025-12-03T17:36:25.123Z") == date)
        #expect(RFC3339.parse("2025-12-03T18:36:25.123+01:00") == date)
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        for bad in ["2025-13-03T17:36:25Z", "2025-12-03 17:36", "2025-12-03T17:36:25", "2025-12-03T17:36:25.Z", "x"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("ULIDs are 26 characters, unique and strictly increasing even within one millisecond")
    func ulids() {
        let fixed = Date(timeIntervalSince1970: 1_700_000_000)
        let generator = ULIDGenerator(now: { fixed })
        let bodies = (0..<10_000).map { _ in generator.nextBody() }
        #expect(bodies.allSatisfy { $0.count == 26 })
        #expect(bodies == bodies.sorted())
        #expect(Set(bodies).count == bodies.count)
        let id: AlertID = generator.next()
        #expect(id.rawValue.hasPrefix("alert_"))
        #expect(AlertID(parsing: id.rawValue) == id)
        #expect(AlertID(parsing: "inc_" + bodies[0]) == nil)
    }

    @Test("SHA-256 and HMAC-SHA256 match published test vectors")
    func digests() {
        #expect(Crypto.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // RFC 4231 test case 2.
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Crypto.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("argon2id hashes verify the right password only, and salts differ")
    func passwords() throws {
        let hash = try Crypto.hashPassword("correct horse")
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(Crypto.verifyPassword("correct horse", hash: hash))
        #expect(!Crypto.verifyPassword("correct horsE", hash: hash))
        #expect(try Crypto.hashPassword("correct horse") != hash)
        #expect(!Crypto.verifyPassword("x", hash: "not a hash"))
    }

    @Test("Random tokens are URL-safe and distinct")
    func tokens() throws {
        let tokens = try (0..<100).map { _ in try Crypto.randomToken() }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy { $0.count == 43 && !$0.contains("+") && !$0.contains("/") && !$0.contains("=") })
    }

    @Test("A secret never prints its value")
    func secrets() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(secret.value == "hunter2")
    }

    @Test("The logger filters by level, merges metadata and writes valid JSON lines")
    func logging() throws {
        let memory = InMemoryLogHandler()
        var logger = Logger(label: "test", level: .info, handler: memory)
        logger.metadata["service"] = "jobs"
        logger.debug("hidden")
        logger.warning("job failed", ["job.id": "job_1"])
        #expect(memory.recorded.count == 1)
        #expect(memory.recorded[0].metadata == ["service": "jobs", "job.id": "job_1"])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let json = Logger(label: "riposte", handler: JSONLinesLogHandler(descriptor: handle.fileDescriptor))
        json.error("quote \" and newline \n", ["key": "tab\t"])
        try handle.close()
        let line = try #require(String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "quote \" and newline \n")
        #expect(object["key"] == "tab\t")
        #expect(object["level"] == "error")
    }

    @Test("Metrics render counters with labels and gauges in Prometheus text format")
    func metrics() async {
        let metrics = Metrics()
        metrics.describeCounter("riposte_things_total", help: "Things.")
        metrics.increment("riposte_things_total", labels: [("source", "a\"b")])
        metrics.increment("riposte_things_total", by: 2, labels: [("source", "a\"b")])
        metrics.registerGauge("riposte_depth", help: "Depth.") { 7 }
        let text = await metrics.render()
        #expect(text.contains("# TYPE riposte_things_total counter\n"))
        #expect(text.contains("riposte_things_total{source=\"a\\\"b\"} 3\n"))
        #expect(text.contains("# TYPE riposte_depth gauge\nriposte_depth 7\n"))
        #expect(metrics.value("riposte_things_total", labels: [("source", "a\"b")]) == 3)
    }

    @Test("Environment integers are range-checked with an error naming the key")
    func environment() throws {
        let environment = Environment(["RIPOSTE_N": "12", "RIPOSTE_BAD": "12x", "RIPOSTE_EMPTY": ""])
        #expect(try environment.int("RIPOSTE_N", default: 1, range: 1...100) == 12)
        #expect(try environment.int("RIPOSTE_EMPTY", default: 5, range: 1...100) == 5)
        #expect(throws: RiposteError.self) { try environment.int("RIPOSTE_BAD", default: 1, range: 1...100) }
        do {
            _ = try environment.int("RIPOSTE_N", default: 1, range: 1...10)
            Issue.record("out of range accepted")
        } catch let error as RiposteError {
            #expect(error.code == .invalid)
            #expect(error.message.contains("RIPOSTE_N"))
        }
    }
}
