// Release benchmark for the TAXII client, in three layers so each figure says where the time goes:
//   decode    one large objects page through TAXIIClient over a scripted HTTP layer (envelope JSON →
//             JSONValue objects and validation; Riposte's own cost per object);
//   loopback  1,000-object pages through URLSessionHTTPClient from a RiposteHTTP server on 127.0.0.1
//             (the client and transport without a slow server);
//   medallion the whole corpus collection pulled with paging from the real peer that
//             `scripts/peers start` runs (medallion, the OASIS reference server: a Python dev server,
//             so this is bounded by the peer, not the client).
//
// Synthetic pages are built from the corpus STIX objects (APT1 report bundle), repeated with fresh ids.
// Usage: TAXIIBenchmark [--trials N] [--objects N (decoded page, default 10,000)] [--limit N (medallion
// page size, default 100 = the peer's max_page_size)]. Needs `scripts/peers start` first.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIntel
import RiposteRuntime
import RiposteTesting

let arguments = BenchmarkArguments(
    usage: "TAXIIBenchmark [--trials N] [--objects N] [--limit N]", flags: ["--trials", "--objects", "--limit"])

/// An envelope with `count` corpus objects, each given a distinct id.
func envelope(count: Int) throws -> [UInt8] {
    let bundle = try JSONSerialization.jsonObject(with: Corpus.contents("threat_intel/stix/oasis-threat-report-apt1.json"))
    guard let objects = (bundle as? [String: Any])?["objects"] as? [[String: Any]], !objects.isEmpty else {
        throw RiposteError.invalid("APT1 bundle has no objects")
    }
    let page: [[String: Any]] = (0..<count).map { index in
        var object = objects[index % objects.count]
        let type = object["type"] as? String ?? "x"
        object["id"] = "\(type)--00000000-0000-4000-8000-\(String(format: "%012d", index))"
        return object
    }
    return Array(try JSONSerialization.data(withJSONObject: ["more": false, "objects": page]))
}

let trials = arguments.int("--trials", default: 5)
let objectCount = arguments.int("--objects", default: 10_000)
let medallionLimit = arguments.int("--limit", default: 100)
let root = URL(string: "http://taxii.test/api/")!
let mediaType: HeaderFields = ["Content-Type": TAXIIClient.mediaType]

// 1. Decoding: the HTTP layer is scripted, so this measures envelope parsing and validation.
let body = try envelope(count: objectCount)
let scripted = ScriptedHTTPClient()
scripted.on(path: "/api/collections/c/objects/", status: 200, headers: mediaType, body: body)
var limits = TAXIIClient.Limits()
limits.maxPageBytes = 1 << 30
let decoding = TAXIIClient(http: scripted, limits: limits)
var decodeSeconds: [Double] = []
for _ in 0..<trials {
    let start = ContinuousClock.now
    let page = try await decoding.objects(apiRoot: root, collectionID: "c", query: TAXIIObjectsQuery())
    precondition(page.objects.count == objectCount)
    decodeSeconds.append((ContinuousClock.now - start).seconds)
}
let decodeMedian = median(decodeSeconds)
print(
    String(
        format: "decode: %d objects (%.1f MB) per page, median %.1f ms: %.0f objects/s, %.0f MB/s", objectCount,
        Double(body.count) / 1e6, decodeMedian * 1000, Double(objectCount) / decodeMedian, Double(body.count) / 1e6 / decodeMedian
    ))

// 2. Fetching: 1,000-object pages over real loopback HTTP through URLSessionHTTPClient.
let smallPage = try envelope(count: 1_000)
let server = ClosureResponder { _, _ in
    HTTPResponse(status: .ok, headers: ["Content-Type": TAXIIClient.mediaType], body: Data(smallPage))
}
let fetches = 50
let fetchSeconds = try await withLoopbackServer(responder: server) { base in
    let client = TAXIIClient(http: URLSessionHTTPClient(), limits: limits)
    var trialSeconds: [Double] = []
    for _ in 0..<trials {
        let start = ContinuousClock.now
        for _ in 0..<fetches {
            let page = try await client.objects(
                apiRoot: base.appending(path: "/api/"), collectionID: "c", query: TAXIIObjectsQuery())
            precondition(page.objects.count == 1_000)
        }
        trialSeconds.append((ContinuousClock.now - start).seconds)
    }
    return trialSeconds
}
let fetchMedian = median(fetchSeconds)
print(
    String(
        format:
            "loopback: %d pages of 1,000 objects (%.2f MB) over loopback, median %.0f ms: %.0f pages/s, %.0f objects/s, %.0f MB/s",
        fetches, Double(smallPage.count) / 1e6, fetchMedian * 1000, Double(fetches) / fetchMedian,
        Double(fetches * 1_000) / fetchMedian, Double(fetches * smallPage.count) / 1e6 / fetchMedian))

// 3. medallion: the whole corpus collection, paged, through URLSessionHTTPClient with basic auth.
let peer = try Peers.taxii()
let peerData = try JSONParser.parse(Array(try Data(contentsOf: peer.dataFile)))
let corpusCollection = "6a6c1f5e-8f59-4d35-9bd4-3c1d2b6f0c11"
guard
    let manifest = peerData["riposte"]?["collections"]?.arrayValue?
        .first(where: { $0["id"]?.stringValue == corpusCollection })?["manifest"]?.arrayValue
else { throw RiposteError.invalid("\(peer.dataFile.path) has no corpus collection \(corpusCollection)") }
let expectedObjects = Set(manifest.compactMap { $0["id"]?.stringValue }).count
let peerClient = TAXIIClient(
    http: URLSessionHTTPClient(), credentials: .basic(username: peer.username, password: Secret(peer.password)))
guard let apiRoot = try await peerClient.discovery(peer.discoveryURL).defaultAPIRoot else {
    throw RiposteError.invalid("medallion discovery names no default API root")
}
var pullSeconds: [Double] = []
var pages = 0
for _ in 0..<trials {
    let start = ContinuousClock.now
    let (objects, result) = try await peerClient.pullAll(
        apiRoot: apiRoot, collectionID: corpusCollection, query: TAXIIObjectsQuery(limit: medallionLimit))
    pullSeconds.append((ContinuousClock.now - start).seconds)
    precondition(objects.count == expectedObjects, "medallion gave \(objects.count) objects, expected \(expectedObjects)")
    pages = result.pages
}
let pullMedian = median(pullSeconds)
print(
    String(
        format: "medallion: %d objects in %d pages of up to %d, median %.1f ms per pull: %.1f ms/page, %.0f objects/s",
        expectedObjects, pages, medallionLimit, pullMedian * 1000, pullMedian * 1000 / Double(pages),
        Double(expectedObjects) / pullMedian))
