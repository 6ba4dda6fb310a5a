// TAXIIClient against medallion, the OASIS reference TAXII 2.1 server, started by `scripts/peers start`
// with the corpus STIX objects. A missing peer fails these tests; it never skips them.
import Foundation
import RiposteCore
import RiposteRuntime
import RiposteTesting
import Testing

@testable import RiposteIntel

@Suite("TAXII against medallion")
struct TAXIIPeerTests {
    static let corpusCollection = "6a6c1f5e-8f59-4d35-9bd4-3c1d2b6f0c11"
    static let sealedCollection = "0b7e9d1a-5c7b-4f2e-8a41-2d9f3c6e7a55"

    /// What the builder put in the corpus collection: per object id, the newest manifest entry.
    struct Expected {
        /// id → (version, date_added) of the newest version.
        var latest: [String: (version: String, dateAdded: String)] = [:]
        var dateAdded: [String] { latest.values.map(\.dateAdded).sorted() }

        init(dataFile: URL) throws {
            let data = try JSONParser.parse(Array(try Data(contentsOf: dataFile)))
            let collections = try #require(data["riposte"]?["collections"]?.arrayValue)
            let corpus = try #require(collections.first { $0["id"]?.stringValue == TAXIIPeerTests.corpusCollection })
            for entry in try #require(corpus["manifest"]?.arrayValue) {
                let id = try #require(entry["id"]?.stringValue)
                let version = try #require(entry["version"]?.stringValue)
                let added = try #require(entry["date_added"]?.stringValue)
                if let known = latest[id], known.dateAdded >= added { continue }
                latest[id] = (version, added)
            }
        }
    }

    let peer: Peers.TAXII
    let client: TAXIIClient
    let expected: Expected

    init() throws {
        peer = try Peers.taxii()
        client = TAXIIClient(
            http: URLSessionHTTPClient(), credentials: .basic(username: peer.username, password: Secret(peer.password)))
        expected = try Expected(dataFile: peer.dataFile)
    }

    func apiRoot() async throws -> URL {
        let discovery = try await client.discovery(peer.discoveryURL)
        return try #require(discovery.defaultAPIRoot)
    }

    /// The version a STIX object carries (`modified`, else `created`), or nil for unversioned SCOs.
    static func version(_ object: JSONValue) -> String? {
        object["modified"]?.stringValue ?? object["created"]?.stringValue
    }

    @Test("Discovery, API root and collections come from the peer")
    func resources() async throws {
        let discovery = try await client.discovery(peer.discoveryURL)
        let root = try #require(discovery.defaultAPIRoot)
        #expect(discovery.apiRoots == [root])
        let information = try await client.apiRoot(root)
        #expect(information.versions.contains(TAXIIClient.mediaType))
        let collections = try await client.collections(apiRoot: root)
        #expect(Set(collections.map(\.id)) == [Self.corpusCollection, Self.sealedCollection])
        #expect(collections.first { $0.id == Self.corpusCollection }?.canRead == true)
    }

    @Test("Pulling the whole collection in small pages returns exactly the objects the builder put there")
    func wholeCollection() async throws {
        #expect(expected.latest.count > 50)
        let limit = 20
        let (objects, result) = try await client.pullAll(
            apiRoot: try await apiRoot(), collectionID: Self.corpusCollection, query: TAXIIObjectsQuery(limit: limit))
        #expect(result.pages >= expected.latest.count / limit)
        let ids = objects.compactMap { $0["id"]?.stringValue }
        #expect(ids.count == Set(ids).count, "an object came twice")
        #expect(Set(ids) == Set(expected.latest.keys))
        for object in objects {
            let id = object["id"]?.stringValue ?? ""
            if let version = Self.version(object) { #expect(version == expected.latest[id]?.version, "\(id)") }
        }
        #expect(result.nextAddedAfter == expected.dateAdded.last)
    }

    @Test("An incremental pull from added_after returns only objects added later, then nothing")
    func incremental() async throws {
        let root = try await apiRoot()
        let cut = expected.dateAdded[expected.dateAdded.count * 2 / 3]
        let later = Set(expected.latest.filter { $0.value.dateAdded > cut }.keys)
        #expect(!later.isEmpty && later.count < expected.latest.count)

        let (objects, result) = try await client.pullAll(
            apiRoot: root, collectionID: Self.corpusCollection, query: TAXIIObjectsQuery(addedAfter: cut, limit: 7))
        #expect(Set(objects.compactMap { $0["id"]?.stringValue }) == later)
        #expect(result.pages > 1)

        let (none, again) = try await client.pullAll(
            apiRoot: root, collectionID: Self.corpusCollection, query: TAXIIObjectsQuery(addedAfter: result.nextAddedAfter))
        #expect(none.isEmpty)
        #expect(again.nextAddedAfter == result.nextAddedAfter)
    }

    @Test("Wrong credentials give a clear 401 error without the password")
    func wrongCredentials() async throws {
        let intruder = TAXIIClient(
            http: URLSessionHTTPClient(), credentials: .basic(username: peer.username, password: Secret("not-the-password")))
        do {
            _ = try await intruder.discovery(peer.discoveryURL)
            Issue.record("wrong credentials were accepted")
        } catch let error as RiposteError {
            #expect(error.code == .unauthorized)
            #expect(error.message.contains("HTTP 401"))
            #expect(!String(reflecting: error).contains("not-the-password"))
        }
    }

    @Test("A collection the user may not read is refused with medallion's own message")
    func forbiddenCollection() async throws {
        let root = try await apiRoot()
        do {
            _ = try await client.objects(apiRoot: root, collectionID: Self.sealedCollection, query: TAXIIObjectsQuery())
            Issue.record("the sealed collection was readable")
        } catch let error as RiposteError {
            #expect(error.code == .forbidden)
            #expect(error.message.contains("Forbidden to read collection '\(Self.sealedCollection)'"))
        }
    }
}
