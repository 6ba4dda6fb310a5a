import Foundation
// A MISP `POST /attributes/restSearch` simulator written from MISP's API documentation: `Authorization: <key>`,
// JSON query with `limit`/`page`/`to_ids`/`timestamp` ("changed at or after"), `{"response": {"Attribute": [...]}}`.
package import FoundationEssentials
package import RiposteHTTP
package import Synchronization

/// Serves restSearch over a set of attributes and records every query it gets.
package final class MISPSearchSimulator: Sendable {
    /// The API key it accepts; any other gets MISP's 403.
    package static let key = "misp-api-key-1234"

    struct Record: Sendable {
        var toIDs: Bool
        var timestamp: Int
        var json: Data
    }
    let records: [Record]
    /// The request bodies received, in order.
    package let bodies = Mutex<[Data]>([])

    package init(attributes: [[String: Any]]) throws {
        records = try attributes.map {
            Record(
                toIDs: $0["to_ids"] as? Bool ?? false, timestamp: Int($0["timestamp"] as? String ?? "0") ?? 0,
                json: try JSONSerialization.data(withJSONObject: $0))
        }
    }

    /// The attributes of the corpus event `misp-event-osint-qakbot-emotet.json`, its objects' too (as
    /// `/attributes/restSearch` lists them), each carrying its event's title under `Event` as MISP includes it.
    package static func corpusAttributes() throws -> [[String: Any]] {
        let data = try Corpus.contents("threat_intel/misp/misp-event-osint-qakbot-emotet.json")
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let event = document["Event"] as? [String: Any], let info = event["info"] as? String
        else { throw CocoaError(.coderReadCorrupt) }
        let inObjects = (event["Object"] as? [[String: Any]] ?? []).flatMap { $0["Attribute"] as? [[String: Any]] ?? [] }
        return ((event["Attribute"] as? [[String: Any]] ?? []) + inObjects).map {
            $0.merging(["Event": ["info": info, "uuid": event["uuid"] ?? ""]]) { old, _ in old }
        }
    }

    /// The request bodies as JSON objects.
    package var queries: [[String: Any]] {
        bodies.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    package var responder: ClosureResponder {
        ClosureResponder { [self] request, _ in
            guard request.method == .post, request.path.hasSuffix("/attributes/restSearch") else {
                return HTTPResponse.text("not here", status: .notFound)
            }
            guard request.headers["Authorization"] == Self.key else {
                return HTTPResponse.text(#"{"message":"Authentication failed."}"#, status: .forbidden)
            }
            guard let query = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                let limit = query["limit"] as? Int, let page = query["page"] as? Int, limit > 0, page > 0
            else { return HTTPResponse.text(#"{"message":"bad query"}"#, status: .badRequest) }
            bodies.withLock { $0.append(Data(request.body)) }
            let since = Int(query["timestamp"] as? String ?? "0") ?? 0
            let toIDs = query["to_ids"] as? Bool ?? false
            let matching = records.filter { $0.toIDs == toIDs && $0.timestamp >= since }
            var body = Data(#"{"response":{"Attribute":["#.utf8)
            for (index, record) in matching.dropFirst((page - 1) * limit).prefix(limit).enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body.append(record.json)
            }
            body.append(contentsOf: Array("]}}".utf8))
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body)
        }
    }
}
