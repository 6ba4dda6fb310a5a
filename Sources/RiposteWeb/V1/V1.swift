// Wire shapes of the /api/v1 JSON API. Never domain types on the wire: these are the contract.
import Foundation
import RiposteCore
import RiposteRuntime

/// The `/api/v1` data-transfer objects (snake_case JSON, RFC 3339 UTC times with milliseconds).
enum V1 {
    /// The 202 body of an ingest: written by hand, because a 1,000-alert answer through
    /// JSONEncoder cost as much as parsing the alerts.
    struct IngestResponse {
        var outcomes: [IngestOutcome]

        var json: Data {
            let duplicates = outcomes.lazy.filter(\.duplicate).count
            var text = #"{"accepted":\#(outcomes.count),"duplicates":\#(duplicates),"alerts":["#
            text.reserveCapacity(text.utf8.count + outcomes.count * 100)
            for (index, outcome) in outcomes.enumerated() {
                if index > 0 { text += "," }
                text +=
                    #"{"id":"# + JSONText.quote(outcome.alertID.rawValue) + #","incident_id":"#
                    + (outcome.incidentID.map { JSONText.quote($0.rawValue) } ?? "null") + #","duplicate":"#
                    + (outcome.duplicate ? "true" : "false")
                if let rule = outcome.suppressedBy { text += #","suppressed_by":"# + JSONText.quote(rule.rawValue) }
                text += "}"
            }
            text += "]}"
            return Data(text.utf8)
        }
    }

    struct IntelHitDTO: Encodable {
        var feed: String
        var indicator: String
        var match: String
        var first_seen: String
        var confidence: Int?
        var label: String?
        /// The feed's reliability letter, when its definition states one.
        var reliability: String?
        /// Confidence × reliability weight, 0–100: what the verdict compares with its threshold.
        var score: Int
        /// The indicator's TLP marking (`clear` … `red`), when its source set one.
        var tlp: String?

        init(_ hit: IntelHit) {
            feed = hit.feed
            indicator = hit.indicator
            match = hit.match.rawValue
            first_seen = RFC3339.format(hit.firstSeen)
            confidence = hit.confidence
            label = hit.label
            reliability = hit.reliability?.rawValue
            score = VerdictPolicy.score(hit)
            tlp = hit.tlp?.rawValue
        }
    }

    struct ObservableDTO: Encodable {
        var id: String
        var type: String
        var value: String
        var verdict: String
        /// Which hit decides the verdict its hits give, and why.
        var verdict_reason: String
        /// The most restrictive TLP among its hits: how far its intel may be shared.
        var tlp: String?
        var intel: [IntelHitDTO]
        var first_seen: String
        /// Provider name → its answer; present when the caller read the enrichment results.
        var enrichment: [String: EnrichmentDTO]?

        init(_ observable: Observable) {
            id = observable.id.rawValue
            type = observable.type.rawValue
            value = observable.value
            verdict = observable.verdict.rawValue
            verdict_reason = VerdictPolicy.explain(observable.intel).reason
            tlp = observable.tlp?.rawValue
            intel = observable.intel.map(IntelHitDTO.init)
            first_seen = RFC3339.format(observable.firstSeen)
        }

        init(_ observable: Observable, enrichment: [EnrichmentRecord]) {
            self.init(observable)
            self.enrichment = EnrichmentDTO.byProvider(enrichment)
        }
    }

    /// One provider's answer about a value.
    struct EnrichmentDTO: Encodable {
        var status: String
        var verdict: String?
        var reason: String?
        var fetched_at: String
        var expires_at: String
        var summary: JSONValueDTO

        init(_ record: EnrichmentRecord) {
            status = record.status.rawValue
            verdict = record.verdict?.rawValue
            reason = record.reason
            fetched_at = RFC3339.format(record.fetchedAt)
            expires_at = RFC3339.format(record.expiresAt)
            summary = JSONValueDTO(record.summary)
        }

        static func byProvider(_ records: [EnrichmentRecord]) -> [String: EnrichmentDTO] {
            Dictionary(records.map { ($0.provider, EnrichmentDTO($0)) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// `GET /api/v1/enrichment`.
    struct EnrichmentLookupResponse: Encodable {
        var type: String
        var value: String
        var enrichment: [String: EnrichmentDTO]
    }

    struct EndpointDTO: Encodable {
        var ip: String?
        var port: Int?
        var hostname: String?

        init?(_ endpoint: Endpoint) {
            guard !endpoint.isEmpty else { return nil }
            ip = endpoint.ip
            port = endpoint.port
            hostname = endpoint.hostname
        }
    }

    struct RuleDTO: Encodable {
        var uid: String?
        var name: String?
        var category: String?
    }

    /// What an alert says of itself, as stored and suppressed alerts both show it.
    struct AlertDraftDTO: Encodable {
        var source: String
        var source_ref: String
        var title: String
        var severity: String
        var time: String?
        var received_at: String
        var rule: RuleDTO
        var src_endpoint: EndpointDTO?
        var dst_endpoint: EndpointDTO?
        var host_name: String?
        var user_name: String?

        init(_ draft: AlertDraft, receivedAt: Date) {
            source = draft.source
            source_ref = draft.sourceRef
            title = draft.title
            severity = draft.severity.name
            time = draft.time.map(RFC3339.format)
            received_at = RFC3339.format(receivedAt)
            rule = RuleDTO(uid: draft.rule.uid, name: draft.rule.name, category: draft.rule.category)
            src_endpoint = EndpointDTO(draft.sourceEndpoint)
            dst_endpoint = EndpointDTO(draft.destinationEndpoint)
            host_name = draft.hostName
            user_name = draft.userName
        }
    }

    struct AlertDTO: Encodable {
        var id: String
        var incident_id: String
        var draft: AlertDraftDTO
        var fingerprint: String
        var parser_version: Int
        var observables: [ObservableDTO]?
        /// The payload as received, as text when it is UTF-8 (it always is for JSON sources).
        var raw: String?

        init(_ alert: Alert, observables: [Observable]?, includeRaw: Bool) {
            id = alert.id.rawValue
            incident_id = alert.incidentID.rawValue
            draft = AlertDraftDTO(alert.draft, receivedAt: alert.receivedAt)
            fingerprint = alert.fingerprint
            parser_version = alert.draft.parserVersion
            self.observables = observables?.map(ObservableDTO.init)
            raw = includeRaw ? String(validating: alert.draft.raw, as: UTF8.self) : nil
        }

        private enum CodingKeys: String, CodingKey { case id, incident_id, fingerprint, parser_version, observables, raw }

        /// The draft's members sit beside the alert's own, not nested under a key.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(incident_id, forKey: .incident_id)
            try draft.encode(to: encoder)
            try container.encode(fingerprint, forKey: .fingerprint)
            try container.encode(parser_version, forKey: .parser_version)
            try container.encodeIfPresent(observables, forKey: .observables)
            try container.encodeIfPresent(raw, forKey: .raw)
        }
    }

    struct IncidentDTO: Encodable {
        var id: String
        var number: Int
        var title: String
        var severity: String
        var status: String
        var owner: String?
        var fingerprint: String
        var alert_count: Int
        var created_at: String
        var updated_at: String
        var last_alert_at: String
        /// The full incident this one continues (its group's maximum of alerts was reached).
        var overflow_of: String?
        var observables: [ObservableDTO]?
        var alerts: [AlertDTO]?
        var timeline: [TimelineEventDTO]?

        init(_ incident: Incident) {
            id = incident.id.rawValue
            number = incident.number
            title = incident.title
            severity = incident.severity.name
            status = incident.status.rawValue
            owner = incident.owner
            fingerprint = incident.fingerprint
            alert_count = incident.alertCount
            created_at = RFC3339.format(incident.createdAt)
            updated_at = RFC3339.format(incident.updatedAt)
            last_alert_at = RFC3339.format(incident.lastAlertAt)
            overflow_of = incident.overflowOf?.rawValue
        }
    }

    struct IncidentPage: Encodable {
        var items: [IncidentDTO]
        var next_cursor: String?
    }

    struct TimelineEventDTO: Encodable {
        var id: String
        var time: String
        var actor: String
        var kind: String
        var message: String
        var details: JSONValueDTO

        init(_ event: TimelineEvent) {
            id = event.id.rawValue
            time = RFC3339.format(event.time)
            actor = event.actor.name
            kind = event.kind
            message = event.message
            details = JSONValueDTO(event.details)
        }
    }

    struct NoteDTO: Encodable {
        var id: String
        var author: String
        var body: String
        var created_at: String

        init(_ note: Note) {
            id = note.id.rawValue
            author = note.author.name
            body = note.body
            created_at = RFC3339.format(note.createdAt)
        }
    }

    struct TaskDTO: Encodable {
        var id: String
        var title: String
        var status: String
        var owner: String?
        var created_at: String
        var updated_at: String

        init(_ task: CaseTask) {
            id = task.id.rawValue
            title = task.title
            status = task.status.rawValue
            owner = task.owner
            created_at = RFC3339.format(task.createdAt)
            updated_at = RFC3339.format(task.updatedAt)
        }
    }

    struct Items<Item: Encodable>: Encodable {
        var items: [Item]
    }

    /// A named alert mapping with its definition as JSON.
    struct MappingDTO: Encodable {
        var name: String
        var definition: JSONValueDTO
        var created_at: String
        var updated_at: String

        init(_ stored: StoredAlertMapping) {
            name = stored.name
            definition = JSONValueDTO((try? JSONParser.parse(Array(stored.definition.utf8))) ?? .null)
            created_at = RFC3339.format(stored.createdAt)
            updated_at = RFC3339.format(stored.updatedAt)
        }
    }

    struct FeedList: Encodable {
        var items: [FeedDTO]
    }

    /// A feed with its polling state; `auth` shows where the secret is read from, never the secret.
    struct FeedDTO: Encodable {
        struct Auth: Encodable {
            var scheme: String
            var user: String?
            var header: String?
            var secret: String
        }

        struct State: Encodable {
            var last_attempt_at: String?
            var last_success_at: String?
            var last_error: String?
            var last_added: Int
            var last_updated: Int
            var next_poll_at: String?
            var cursor: String?
            var etag: String?
            var last_modified: String?
        }

        var name: String
        var kind: String
        var url: String
        var collection: String?
        var csv_column: String?
        var interval_seconds: Int
        var enabled: Bool
        var reliability: String
        var auth: Auth?
        var created_at: String
        var state: State

        init(_ record: FeedRecord) {
            let feed = record.definition
            name = feed.name
            kind = feed.kind.rawValue
            url = Redaction.url(URL(string: feed.url) ?? URL(string: "about:blank")!)
            collection = feed.collection
            csv_column = feed.csvColumn
            interval_seconds = feed.intervalSeconds
            enabled = feed.enabled
            reliability = feed.reliability.rawValue
            switch feed.authentication {
            case .none: auth = nil
            case .basic(let user, let secret): auth = Auth(scheme: "basic", user: user, secret: secret)
            case .bearer(let secret): auth = Auth(scheme: "bearer", secret: secret)
            case .header(let header, let secret): auth = Auth(scheme: "header", header: header, secret: secret)
            }
            created_at = RFC3339.format(feed.createdAt)
            let state = record.state
            self.state = State(
                last_attempt_at: state.lastAttemptAt.map(RFC3339.format),
                last_success_at: state.lastSuccessAt.map(RFC3339.format),
                last_error: state.lastError, last_added: state.lastAdded, last_updated: state.lastUpdated,
                next_poll_at: state.nextPollAt.map(RFC3339.format), cursor: state.cursor, etag: state.etag,
                last_modified: state.lastModified)
        }
    }

    struct LookupResponse: Encodable {
        var value: String
        var type: String?
        var verdict: String
        /// Which hit decided the verdict, and why.
        var reason: String
        /// The most restrictive TLP among the hits.
        var tlp: String?
        var hits: [IntelHitDTO]
    }

    struct ImportResponse: Encodable {
        struct Rejected: Encodable {
            /// `line 4` (lists), `object 12 (indicator--…)` (STIX), `Object[2].Attribute[0] (uuid)` (MISP).
            var location: String
            var reason: String
        }
        var feed: String
        var format: String
        var parsed: Int
        var added: Int
        var updated: Int
        /// Revoked or outside their validity window: stored, not matched.
        var inactive: Int
        /// Past observables (first seen within the retro-hunt window) scanned and newly matched.
        var retro_hunt: RetroHunt

        struct RetroHunt: Encodable {
            var scanned: Int
            var matched: Int
        }
        var rejected: [Rejected]
        var rejected_count: Int
    }

    struct TokenResponse: Encodable {
        var id: String
        var name: String
        var role: String
        /// The only alert source an `ingest` token may post to.
        var source: String?
        var token: String
    }

    /// `JSONValue` as an encodable tree.
    struct JSONValueDTO: Encodable {
        var value: JSONValue

        init(_ value: JSONValue) { self.value = value }

        func encode(to encoder: any Encoder) throws {
            switch value {
            case .null:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            case .bool(let flag):
                var container = encoder.singleValueContainer()
                try container.encode(flag)
            case .number(let number):
                var container = encoder.singleValueContainer()
                if number.rounded() == number, abs(number) < 9e15 {
                    try container.encode(Int64(number))
                } else {
                    try container.encode(number)
                }
            case .string(let text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case .array(let items):
                var container = encoder.unkeyedContainer()
                for item in items { try container.encode(JSONValueDTO(item)) }
            case .object(let members):
                var container = encoder.container(keyedBy: DynamicKey.self)
                for (key, member) in members { try container.encode(JSONValueDTO(member), forKey: DynamicKey(key)) }
            }
        }
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
