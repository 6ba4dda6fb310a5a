// The real binary: a SIGKILL mid-burst loses no acknowledged alert; the CLI's commands and exit codes.
import Foundation
import RiposteTesting
import Synchronization
import Testing

@Suite("The riposte binary", .serialized)
struct CrashAndCLITests {
    @Test("Every alert acknowledged with 202 survives a SIGKILL in the middle of a burst")
    func sigkillLosesNoAcknowledgedAlert() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let token = try RiposteBinary.run(["token", "create", "--name", "burst", "--role", "analyst", "--data", data])
        #expect(token.status == 0, "\(token.stderr)")
        let secret = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let server = try await ServerProcess.start(dataDirectory: data)
        let tally = BurstTally()
        // Eight concurrent senders post single alerts until the server dies under them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<8 {
                group.addTask {
                    for index in 0..<2000 {
                        let ref = "burst-\(sender)-\(index)"
                        let body = jsonBody(["title": "Burst \(sender)", "source_ref": ref, "src_ip": "198.51.100.\(sender + 1)"])
                        tally.sent.add(1, ordering: .relaxed)
                        guard
                            let response = try? await TestHTTP.request(
                                "POST", server.baseURL + "/api/v1/alerts?source=generic", body: body, token: secret),
                            response.status == 202, let id = response.json.array("alerts").first?.string("id")
                        else { return }
                        tally.acknowledged.withLock { $0[id] = ref }
                    }
                }
            }
            group.addTask {
                while tally.acknowledged.withLock({ $0.count }) < 300 { try await Task.sleep(for: .milliseconds(5)) }
                server.stop(signal: SIGKILL)
            }
            try await group.waitForAll()
        }
        let acked = tally.acknowledged.withLock { $0 }
        #expect(acked.count >= 300)
        #expect(tally.sent.load(ordering: .relaxed) > acked.count, "the kill must land mid-burst")

        let restarted = try await ServerProcess.start(dataDirectory: data)
        defer { restarted.stop() }
        for (id, ref) in acked {
            let response = try await TestHTTP.request("GET", restarted.baseURL + "/api/v1/alerts/\(id)", token: secret)
            #expect(response.status == 200, "acknowledged alert \(id) (\(ref)) was lost")
            #expect(response.json.string("source_ref") == ref)
        }
    }

    @Test("First start prints the admin password once; SIGTERM exits 0")
    func firstStartAndGracefulStop() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await ServerProcess.start(dataDirectory: data)
        #expect(first.stop(signal: SIGTERM) == 0)
        let line = try #require(first.stdout.split(separator: "\n").first { $0.contains("password") })
        let password = try #require(line.split(separator: " ").last.map(String.init))
        #expect(password.count >= 20)

        let second = try await ServerProcess.start(dataDirectory: data)
        // The admin can sign in with the printed password (HTTP Basic).
        let basic = Data("admin:\(password)".utf8).base64EncodedString()
        let response = try await TestHTTP.request(
            "GET", second.baseURL + "/api/v1/incidents", token: nil, headers: ["Authorization": "Basic \(basic)"])
        #expect(response.status == 200)
        #expect(second.stop(signal: SIGINT) == 0)
        #expect(!second.stdout.contains("password"))
    }

    @Test("Usage errors exit 2 with one line on stderr; failures exit 1")
    func exitCodes() throws {
        let unknown = try RiposteBinary.run(["frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.split(separator: "\n").count == 1)
        #expect(unknown.stderr.hasPrefix("riposte: error: unknown command"))
        let missingRole = try RiposteBinary.run(["token", "create", "--name", "x", "--data", temporaryDataDirectory()])
        #expect(missingRole.status == 2)
        #expect(missingRole.stderr.contains("--role is required"))
        let badOption = try RiposteBinary.run(["serve", "--port", "1"])
        #expect(badOption.status == 2)
        let missingFile = try RiposteBinary.run([
            "ingest", "/nonexistent.json", "--source", "suricata", "--data", temporaryDataDirectory(),
        ])
        #expect(missingFile.status == 1)
        #expect(try RiposteBinary.run(["version"]).stdout.hasPrefix("riposte "))
        for command in [["serve"], ["migrate"], ["token", "create"], ["ingest"], ["intel", "import"]] {
            let help = try RiposteBinary.run(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("Usage: riposte"), "\(command)")
        }
    }

    @Test("Offline ingest and intel import write into a data directory that a server then serves")
    func offlineCommands() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let migrate = try RiposteBinary.run(["migrate", "--data", data])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let feodo = try Corpus.url("threat_intel/blocklists/abusech-feodotracker-ipblocklist.csv").path
        let intel = try RiposteBinary.run([
            "intel", "import", feodo, "--format", "csv", "--preset", "feodotracker", "--feed", "feodo", "--data", data,
        ])
        #expect(intel.status == 0, "\(intel.stderr)")
        #expect(intel.stdout.contains("added"))
        let eve = try Corpus.url("pcaps/expected-alerts/chrissanders_cryptowall4_c2.eve-alerts.jsonl").path
        let ingest = try RiposteBinary.run(["ingest", eve, "--source", "suricata", "--data", data])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("accepted"))
        let token = try RiposteBinary.run(["token", "create", "--name", "reader", "--role", "viewer", "--data", data])
        let secret = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("rpt_"))

        let server = try await ServerProcess.start(dataDirectory: data)
        defer { server.stop() }
        let list = try await TestHTTP.request("GET", server.baseURL + "/api/v1/incidents", token: secret)
        #expect(list.status == 200)
        #expect(!list.json.array("items").isEmpty)
        // A viewer may not ingest; an analyst sending the same file again gets duplicates only.
        let refused = try RiposteBinary.run([
            "ingest", eve, "--source", "suricata", "--server", server.baseURL, "--token", secret,
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("403"))
        let analyst = try RiposteBinary.run(["token", "create", "--name", "sender", "--role", "analyst", "--data", data])
        let again = try RiposteBinary.run(
            [
                "ingest", eve, "--source", "suricata", "--server", server.baseURL, "--token",
                analyst.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            ])
        #expect(again.status == 0, "\(again.stderr)")
        let numbers = again.stdout.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.suffix(2)
        #expect(numbers.count == 2 && numbers.first == numbers.last && numbers.first! > 0, "\(again.stdout)")
    }
}

/// What the burst senders share: requests sent, and acknowledged alert ids with their source_ref.
final class BurstTally: Sendable {
    let sent = Atomic<Int>(0)
    let acknowledged = Mutex<[String: String]>([:])
}
