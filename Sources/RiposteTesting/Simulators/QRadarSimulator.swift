// A local IBM QRadar REST API for poller tests, written from IBM's API reference (version 14.0):
// GET /api/siem/offenses and GET /api/siem/source_addresses with the SEC token header, the Version
// header, `filter`, `sort`, `fields` and `Range: items=x-y` paging answered with `Content-Range`.
import Foundation
package import RiposteHTTP
import Synchronization

/// Serves offenses (by default the corpus sample) the way QRadar does, over a real socket when
/// passed to `withLoopbackServer`.
///
/// Supported, as the documentation describes them: the filter `last_persisted_time > N` (offenses)
/// and `id in (a,b,…)` (source addresses), `sort=+last_persisted_time` (ties by id), `Range`
/// (inclusive, zero-based; `Content-Range: items x-y/total`). A missing or wrong `SEC` answers 401
/// with QRadar's error body; a missing `Version` or an unsupported filter answers 422, so a client
/// that leaves them out fails its test.
package final class QRadarSimulator: Responder {
    package let token: String
    package let faults = SimulatorFaultQueue()
    private let state: Mutex<State>

    /// One offense: the fields the API filters and sorts on, and its JSON.
    private struct Offense: Sendable {
        var id: Int
        var persisted: Int64
        var json: Data

        init(_ object: [String: Any]) {
            var object = object
            if object["last_persisted_time"] == nil { object["last_persisted_time"] = object["last_updated_time"] }
            id = object["id"] as? Int ?? -1
            persisted = (object["last_persisted_time"] as? NSNumber)?.int64Value ?? 0
            json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        }
    }

    private struct State: Sendable {
        var offenses: [Offense]
        var sourceAddresses: [Int: String]
        var requests: [HTTPRequest] = []
    }

    /// - Parameters:
    ///   - offenses: offense objects; one without `last_persisted_time` gets its `last_updated_time`
    ///     (QRadar persists an offense when it updates it), as the corpus sample predates the field.
    ///   - sourceAddresses: source address id → IP.
    package init(token: String, offenses: [[String: Any]], sourceAddresses: [Int: String]) {
        self.token = token
        state = Mutex(State(offenses: offenses.map(Offense.init), sourceAddresses: sourceAddresses))
    }

    /// The offenses of the corpus sample `siem_alerts/qradar/demisto-qradar-offenses-list-response.json`.
    package static func corpusOffenses() throws -> [[String: Any]] {
        let data = try Corpus.contents("siem_alerts/qradar/demisto-qradar-offenses-list-response.json")
        guard let offenses = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw SimulatorError("the QRadar corpus sample is not an array of offenses")
        }
        return offenses
    }

    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests } }

    /// Adds or replaces (by id) offenses, as QRadar persisting a change would.
    package func upsert(_ offenses: [[String: Any]]) {
        let prepared = offenses.map(Offense.init)
        state.withLock { state in
            for offense in prepared {
                state.offenses.removeAll { $0.id == offense.id }
                state.offenses.append(offense)
            }
        }
    }

    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        state.withLock { $0.requests.append(request) }
        if let fault = await faults.apply(to: request) { return fault }
        guard request.headers["SEC"] == token else {
            return Self.error(
                401, code: 26,
                message:
                    "No SEC header present in request. Please provide it via \"SEC: token\". You may also use BASIC authentication parameters if this host supports it. e.g. \"Authorization: Basic base64Encoding\"",
                httpMessage: "You are unauthorized to access the requested resource.")
        }
        guard let version = request.headers["Version"], Double(version) != nil else {
            return Self.error(
                422, code: 1005, message: "A request parameter is not valid (Version header)", httpMessage: "Unprocessable Entity"
            )
        }
        let range: ClosedRange<Int>?
        if let header = request.headers["Range"] {
            guard let parsed = Self.range(header) else {
                return Self.error(422, code: 1005, message: "The Range header is not valid", httpMessage: "Unprocessable Entity")
            }
            range = parsed
        } else {
            range = nil
        }
        switch (request.method, request.path) {
        case (.get, "/api/siem/offenses"): return offenses(request, range: range)
        case (.get, "/api/siem/source_addresses"): return sourceAddresses(request, range: range)
        default: return Self.error(404, code: 1002, message: "No such endpoint", httpMessage: "Not Found")
        }
    }

    private func offenses(_ request: HTTPRequest, range: ClosedRange<Int>?) -> HTTPResponse {
        var selected = state.withLock { $0.offenses }
        if let filter = request.queryValue("filter") {
            let prefix = "last_persisted_time > "
            guard filter.hasPrefix(prefix), let bound = Int64(filter.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces))
            else {
                return Self.error(
                    422, code: 1010, message: "The filter parameter is not valid", httpMessage: "Unprocessable Entity")
            }
            selected = selected.filter { $0.persisted > bound }
        }
        if let sort = request.queryValue("sort") {
            guard sort == "+last_persisted_time" else {
                return Self.error(
                    422, code: 1005, message: "The sort parameter is not valid", httpMessage: "Unprocessable Entity")
            }
            selected.sort { ($0.persisted, $0.id) < ($1.persisted, $1.id) }
        }
        return page(selected.map(\.json), range: range)
    }

    private func sourceAddresses(_ request: HTTPRequest, range: ClosedRange<Int>?) -> HTTPResponse {
        let table = state.withLock { $0.sourceAddresses }
        var ids = table.keys.sorted()
        if let filter = request.queryValue("filter") {
            guard filter.hasPrefix("id in ("), filter.hasSuffix(")") else {
                return Self.error(
                    422, code: 1010, message: "The filter parameter is not valid", httpMessage: "Unprocessable Entity")
            }
            let list = filter.dropFirst(7).dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard list.allSatisfy({ $0 != nil }) else {
                return Self.error(
                    422, code: 1010, message: "The filter parameter is not valid", httpMessage: "Unprocessable Entity")
            }
            let wanted = Set(list.compactMap { $0 })
            ids = ids.filter(wanted.contains)
        }
        let objects = ids.map { id in
            let object: [String: Any] = ["id": id, "source_ip": table[id] ?? "", "magnitude": 1, "network": "other"]
            return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        }
        return page(objects, range: range)
    }

    private func page(_ items: [Data], range: ClosedRange<Int>?) -> HTTPResponse {
        let total = items.count
        var slice = items
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let range {
            let lower = min(range.lowerBound, total)
            let upper = min(range.upperBound + 1, total)
            slice = Array(items[lower..<max(lower, upper)])
            headers.add(name: "Content-Range", value: "items \(lower)-\(lower + slice.count - 1)/\(total)")
        }
        var body = Data("[".utf8)
        for (index, item) in slice.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(item)
        }
        body.append(UInt8(ascii: "]"))
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }

    /// `items=x-y`.
    static func range(_ header: String) -> ClosedRange<Int>? {
        guard header.hasPrefix("items=") else { return nil }
        let parts = header.dropFirst(6).split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), low >= 0, high >= low else { return nil }
        return low...high
    }

    /// QRadar's error body.
    static func error(_ status: Int, code: Int, message: String, httpMessage: String) -> HTTPResponse {
        let body: [String: Any] = [
            "http_response": ["code": status, "message": httpMessage], "code": code, "message": message, "description": "",
            "details": [String: Any](),
        ]
        return HTTPResponse(
            status: HTTPStatus(code: status), headers: ["Content-Type": "application/json"],
            body: (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }
}

/// A simulator set-up problem (a corpus sample of an unexpected shape).
package struct SimulatorError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
