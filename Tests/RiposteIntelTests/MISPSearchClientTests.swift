// MISPSearchClient against MISPSearchSimulator (MISP restSearch written from MISP's API documentation),
// serving the attributes of a real corpus event over a real socket.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteRuntime
import RiposteTesting
import Testing

@Suite("MISP restSearch client")
struct MISPSearchClientTests {
    static let key = MISPSearchSimulator.key

    @Test("A pull pages through every detection attribute; the next pull asks only for what changed since")
    func pagedAndIncremental() async throws {
        let attributes = try MISPSearchSimulator.corpusAttributes()
        let detection = attributes.filter { $0["to_ids"] as? Bool == true }
        let simulator = try MISPSearchSimulator(attributes: attributes)
        let options = try IndicatorImportOptions(feed: "misp", firstSeen: Date(timeIntervalSince1970: 0))
        try await withLoopbackServer(responder: simulator.responder) { base in
            var client = MISPSearchClient(http: URLSessionHTTPClient(), baseURL: base, apiKey: Secret(Self.key))
            client.pageSize = 10
            var indicators: [Indicator] = []
            let first = try await client.pull(since: nil, options: options) { indicators += $0.indicators }
            #expect(first.attributes == detection.count)
            #expect(first.pages == detection.count / 10 + 1)
            let newest = detection.compactMap { Int64($0["timestamp"] as? String ?? "") }.max()
            #expect(first.nextSince == newest)
            // The same indicators as importing the event file itself.
            let event = try MISPEventImporter.parse(
                try Corpus.contents("threat_intel/misp/misp-event-osint-qakbot-emotet.json"), options: options)
            #expect(Set(indicators.map(\.value)) == Set(event.indicators.map(\.value)))
            #expect(indicators.allSatisfy { $0.description == event.event.info })

            let requests = simulator.queries
            #expect(requests.map { $0["page"] as? Int } == Array(1...first.pages))
            #expect(requests.allSatisfy { $0["timestamp"] == nil && $0["to_ids"] as? Bool == true })

            let again = try await client.pull(since: first.nextSince, options: options) { _ in }
            let changedLast = detection.filter { Int64($0["timestamp"] as? String ?? "") == newest }.count
            #expect(again.attributes == changedLast && again.nextSince == newest)
            #expect(simulator.queries.last?["timestamp"] as? String == newest.map(String.init))
        }
    }

    @Test("A refused key is a clear forbidden error that does not show the key; too many pages fail, not truncate")
    func errors() async throws {
        let simulator = try MISPSearchSimulator(attributes: try MISPSearchSimulator.corpusAttributes())
        let options = try IndicatorImportOptions(feed: "misp", firstSeen: Date(timeIntervalSince1970: 0))
        try await withLoopbackServer(responder: simulator.responder) { base in
            let wrong = MISPSearchClient(http: URLSessionHTTPClient(), baseURL: base, apiKey: Secret("wrong-key-5678"))
            do {
                _ = try await wrong.pull(since: nil, options: options) { _ in }
                Issue.record("a wrong key was accepted")
            } catch let error as RiposteError {
                #expect(error.code == .forbidden)
                #expect(!error.message.contains("wrong-key-5678"))
            }
            var small = MISPSearchClient(http: URLSessionHTTPClient(), baseURL: base, apiKey: Secret(Self.key))
            small.pageSize = 5
            small.maxPages = 2
            var handed = 0
            do {
                _ = try await small.pull(since: nil, options: options) { _ in handed += 1 }
                Issue.record("a pull past maxPages succeeded")
            } catch let error as RiposteError {
                #expect(error.code == .tooLarge && error.message.contains("after 2 pages"))
            }
            #expect(handed == 2)
        }
    }

    @Test("Both restSearch answer shapes import: attributes, and a list of events")
    func answerShapes() throws {
        let options = try IndicatorImportOptions(feed: "misp", firstSeen: Date(timeIntervalSince1970: 0))
        let data = try Corpus.contents("threat_intel/misp/misp-event-osint-qakbot-emotet.json")
        let event = try MISPEventImporter.parse(data, options: options)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try JSONSerialization.data(withJSONObject: ["response": [document]])
        let fromEvents = try MISPEventImporter.parse(Array(events), options: options)
        #expect(fromEvents.indicators == event.indicators)
        #expect(fromEvents.newestAttribute == event.newestAttribute && event.newestAttribute != nil)
        let neither = Array(#"{"response": {"Event": []}}"#.utf8)
        #expect(throws: RiposteError.self) { _ = try MISPEventImporter.parse(neither, options: options) }
    }
}
