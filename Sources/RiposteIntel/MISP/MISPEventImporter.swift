// Imports one MISP event (core format, as feeds and exports write it) into indicators: attributes of the event and
// of its objects, mapped by MISP type, skipping deleted and non-detection (`to_ids` false) ones.
package import FoundationEssentials
package import RiposteCore

/// MISP `threat_level_id`.
package enum MISPThreatLevel: String, Sendable, Hashable {
    case high = "1", medium = "2", low = "3", undefined = "4"
}

/// The event-level facts of an imported MISP event.
package struct MISPEventSummary: Sendable, Hashable {
    package var uuid: String
    package var info: String
    package var threatLevel: MISPThreatLevel?
    /// Last change (`timestamp`, Unix seconds).
    package var timestamp: Date?
    /// `date` as written (`2016-08-29`).
    package var date: String?
    package var published: Bool?
    /// From a `tlp:*` event tag.
    package var tlp: TLP?
    /// Every event tag name, in order.
    package var tags: [String]
}

/// An attribute that could not be imported; the rest of the event still is.
package struct MISPAttributeError: Sendable, Hashable, CustomStringConvertible {
    /// Where it sits: `Attribute[3]` or `Object[2].Attribute[0]`.
    package var location: String
    package var uuid: String?
    package var reason: String

    package var description: String { "\(location)\(uuid.map { " (\($0))" } ?? ""): \(reason)" }
}

/// The outcome of importing one MISP event.
package struct MISPImportResult: Sendable, Hashable {
    package var event: MISPEventSummary
    /// Detection indicators, each type and value once.
    package var indicators: [Indicator] = []
    /// Attributes seen, in the event and in its objects.
    package var attributeCount = 0
    /// Attributes with `to_ids` false (context, not for detection) that were left out.
    package var notForDetectionCount = 0
    /// Attributes marked deleted.
    package var deletedCount = 0
    /// Detection attributes of types that are not indicators here (`filename`, `regkey|value`, `yara` …), by type.
    package var unsupportedTypes: [String: Int] = [:]
    /// Values another attribute of the event already gave.
    package var duplicateCount = 0
    /// The first `MISPImportLimits.maxReportedErrors` errors.
    package var errors: [MISPAttributeError] = []
    package var errorCount = 0
    /// The latest attribute `timestamp` seen (deleted and non-detection ones too): where an incremental
    /// `restSearch` resumes.
    package var newestAttribute: Date?
}

/// Limits on one MISP event.
package struct MISPImportLimits: Sendable, Hashable {
    package var maxBytes: Int
    /// Attributes, counting those inside objects.
    package var maxAttributes: Int
    package var maxReportedErrors: Int

    package init(maxBytes: Int = 256 << 20, maxAttributes: Int = 1_000_000, maxReportedErrors: Int = 1000) {
        self.maxBytes = maxBytes
        self.maxAttributes = maxAttributes
        self.maxReportedErrors = maxReportedErrors
    }
}

/// Reads a MISP event. Pure: bytes in, values out.
package enum MISPEventImporter {
    /// Imports `{"Event": {…}}`, a bare event object, or a `restSearch` answer: `{"response": {"Attribute": […]}}`
    /// (attributes, each described by its event's `info` under `Event` when MISP includes it) or
    /// `{"response": [{"Event": {…}}, …]}` (events, imported one after the other into one result).
    ///
    /// Each attribute's `type` decides what it yields (`ip-dst|port` → the address, `domain|ip` → both,
    /// `filename|sha256` → the hash; see `MISPAttributeMapping`). Attributes with `to_ids` false are left out
    /// unless `includeNonDetection`, as are deleted ones. An attribute `tlp:*` tag overrides the event's.
    ///
    /// - Throws: `RiposteError(.invalid)` when the input is not JSON or not an event (no `uuid`/`info`);
    ///   `.tooLarge` beyond `limits`. Bad attributes are collected in `errors`.
    package static func parse(
        _ bytes: some Collection<UInt8>, options: IndicatorImportOptions, includeNonDetection: Bool = false,
        limits: MISPImportLimits = MISPImportLimits()
    ) throws -> MISPImportResult {
        guard bytes.count <= limits.maxBytes else {
            throw RiposteError(.tooLarge, "MISP event is larger than \(limits.maxBytes) bytes")
        }
        let document = try JSONParser.parse(Array(bytes))
        if let response = document["response"] {
            return try parseSearch(response, options: options, includeNonDetection: includeNonDetection, limits: limits)
        }
        return try parse(
            event: document["Event"] ?? document, options: options, includeNonDetection: includeNonDetection, limits: limits)
    }

    /// The synthetic event a `restSearch` answer is imported as.
    static let searchEvent = (uuid: "restSearch", info: "MISP restSearch")

    private static func parseSearch(
        _ response: JSONValue, options: IndicatorImportOptions, includeNonDetection: Bool, limits: MISPImportLimits
    ) throws -> MISPImportResult {
        if let events = response.arrayValue {
            var merged = MISPImportResult(
                event: MISPEventSummary(uuid: searchEvent.uuid, info: searchEvent.info, tags: []))
            for (index, entry) in events.enumerated() {
                let part = try parse(
                    event: entry["Event"] ?? entry, options: options, includeNonDetection: includeNonDetection,
                    limits: limits)
                merged.indicators += part.indicators
                merged.attributeCount += part.attributeCount
                merged.notForDetectionCount += part.notForDetectionCount
                merged.deletedCount += part.deletedCount
                merged.unsupportedTypes.merge(part.unsupportedTypes, uniquingKeysWith: +)
                merged.duplicateCount += part.duplicateCount
                merged.errorCount += part.errorCount
                merged.errors += part.errors.prefix(limits.maxReportedErrors - merged.errors.count).map {
                    MISPAttributeError(location: "response[\(index)].\($0.location)", uuid: $0.uuid, reason: $0.reason)
                }
                merged.newestAttribute = [merged.newestAttribute, part.newestAttribute].compactMap { $0 }.max()
            }
            return merged
        }
        guard let attributes = response["Attribute"], attributes.arrayValue != nil else {
            throw RiposteError.invalid("MISP restSearch answer has neither 'response.Attribute' nor a 'response' list of events")
        }
        let event = JSONValue.object([
            ("uuid", .string(searchEvent.uuid)), ("info", .string(searchEvent.info)), ("Attribute", attributes),
        ])
        return try parse(event: event, options: options, includeNonDetection: includeNonDetection, limits: limits)
    }

    private static func parse(
        event: JSONValue, options: IndicatorImportOptions, includeNonDetection: Bool, limits: MISPImportLimits
    ) throws -> MISPImportResult {
        guard case .object = event, let uuid = event["uuid"]?.stringValue, let info = event["info"]?.stringValue else {
            throw RiposteError.invalid("input is not a MISP event: expected an object with 'uuid' and 'info'")
        }
        let tags = tagNames(event["Tag"])
        var result = MISPImportResult(
            event: MISPEventSummary(
                uuid: uuid, info: info, threatLevel: event["threat_level_id"].flatMap(text).flatMap(MISPThreatLevel.init),
                timestamp: event["timestamp"].flatMap(unixTime), date: event["date"]?.stringValue,
                published: event["published"].flatMap(flag), tlp: tlp(in: tags), tags: tags))

        var located: [(location: String, attribute: JSONValue)] = []
        for (index, attribute) in (event["Attribute"]?.arrayValue ?? []).enumerated() {
            located.append(("Attribute[\(index)]", attribute))
        }
        for (objectIndex, object) in (event["Object"]?.arrayValue ?? []).enumerated() {
            for (index, attribute) in (object["Attribute"]?.arrayValue ?? []).enumerated() {
                located.append(("Object[\(objectIndex)].Attribute[\(index)]", attribute))
            }
        }
        guard located.count <= limits.maxAttributes else {
            throw RiposteError(.tooLarge, "MISP event has more than \(limits.maxAttributes) attributes")
        }
        result.attributeCount = located.count

        var seen: Set<STIXIndexEntry> = []
        for (location, attribute) in located {
            do throws(ObjectImportIssue) {
                guard case .object = attribute, let type = attribute["type"]?.stringValue,
                    let value = attribute["value"]?.stringValue
                else { throw ObjectImportIssue(reason: "attribute needs string 'type' and 'value'") }
                if let changed = attribute["timestamp"].flatMap(unixTime) {
                    result.newestAttribute = max(result.newestAttribute ?? changed, changed)
                }
                if attribute["deleted"].flatMap(flag) == true {
                    result.deletedCount += 1
                    continue
                }
                if !includeNonDetection && attribute["to_ids"].flatMap(flag) != true {
                    result.notForDetectionCount += 1
                    continue
                }
                guard let mapping = MISPAttributeMapping(type: type) else {
                    result.unsupportedTypes[type, default: 0] += 1
                    continue
                }
                let attributeTLP = tlp(in: tagNames(attribute["Tag"])) ?? result.event.tlp
                // restSearch attributes carry their own event's title.
                let description = attribute["Event"]?["info"]?.stringValue ?? info
                let category = attribute["category"]?.stringValue.flatMap { $0.count <= 128 ? $0 : nil }
                for entry in try mapping.entries(value) {
                    guard seen.insert(entry).inserted else {
                        result.duplicateCount += 1
                        continue
                    }
                    result.indicators.append(
                        Indicator(
                            type: entry.type, value: entry.value, feed: options.feed, confidence: options.confidence,
                            label: options.label ?? category, firstSeen: options.firstSeen, tlp: attributeTLP,
                            sourceRef: attribute["uuid"]?.stringValue, description: description))
                }
            } catch {
                result.errorCount += 1
                if result.errors.count < limits.maxReportedErrors {
                    result.errors.append(
                        MISPAttributeError(location: location, uuid: attribute["uuid"]?.stringValue, reason: error.reason))
                }
            }
        }
        return result
    }

    static func tagNames(_ tags: JSONValue?) -> [String] {
        (tags?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }

    /// The most restrictive `tlp:*` tag.
    static func tlp(in tags: [String]) -> TLP? {
        tags.compactMap { $0.lowercased().hasPrefix("tlp:") ? TLP(label: $0) : nil }.max()
    }

    /// MISP writes numbers and flags as JSON values or as strings (`"1"`, `"1467971098"`).
    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number) where number.rounded() == number && abs(number) < 1e15: String(Int64(number))
        default: nil
        }
    }

    static func flag(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): flag
        case .string("1"), .string("true"), .number(1): true
        case .string("0"), .string("false"), .number(0): false
        default: nil
        }
    }

    static func unixTime(_ value: JSONValue) -> Date? {
        guard let text = text(value), text.utf8.count <= 12, let seconds = Int64(text), seconds >= 0 else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }
}
