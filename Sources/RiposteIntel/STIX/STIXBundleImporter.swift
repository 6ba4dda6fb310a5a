// Imports STIX 2.1 content — a bundle, a TAXII envelope, a bare object or an array of objects — into indicator
// records with their lifecycle; one bad object is reported with its index and id and never stops the rest.
import FoundationEssentials
package import RiposteCore

/// Reads STIX 2.1 JSON into `STIXImportResult`. Pure: bytes in, values out.
package enum STIXBundleImporter {
    /// Imports `bytes`: `{"type": "bundle", "objects": […]}`, a TAXII 2.1 envelope `{"objects": […]}`, one STIX
    /// object (a file-store file), or a JSON array of objects.
    ///
    /// Indicators with `pattern_type` `stix` are parsed; a pattern that reduces to index entries
    /// (`STIXPatternReducer`) becomes `indicators`, others are kept for evaluation. Identities and TLP marking
    /// definitions anywhere in the same input resolve `created_by_ref` and `object_marking_refs`. SCOs become
    /// `observables`; well-formed objects of a type nothing defines are skipped and counted in `unknownTypes`.
    /// Bundles are read one object at a time, so an object that is not valid JSON is a per-object error too.
    ///
    /// - Throws: `RiposteError(.invalid)` when the input is not JSON (with the byte offset) or has no objects;
    ///   `.tooLarge` when it exceeds `limits`. Per-object problems are collected in `errors` instead.
    package static func parse(
        _ bytes: some Collection<UInt8>, options: IndicatorImportOptions, limits: STIXImportLimits = STIXImportLimits()
    ) throws -> STIXImportResult {
        guard bytes.count <= limits.maxBytes else {
            throw RiposteError(.tooLarge, "STIX input is larger than \(limits.maxBytes) bytes")
        }
        let input = Array(bytes)
        let streamed = try input.withUnsafeBufferPointer { buffer throws -> STIXImportResult? in
            guard let extents = STIXObjectExtents(buffer) else { return nil }
            guard extents.objects.count <= limits.maxObjects else {
                throw RiposteError(.tooLarge, "STIX input has more than \(limits.maxObjects) objects")
            }
            var importer = Importer(options: options, limits: limits, objectCount: extents.objects.count)
            for (index, range) in extents.objects.enumerated() {
                do throws(JSONSyntaxError) {
                    importer.add(try JSONParser.parse(UnsafeBufferPointer(rebasing: buffer[range])), index: index)
                } catch {
                    importer.fail(
                        index: index, id: nil, reason: "invalid JSON: \(error.reason) at byte \(range.lowerBound + error.offset)")
                }
            }
            return importer.finish()
        }
        if let streamed { return streamed }

        let document = try JSONParser.parse(input)
        let objects: [JSONValue]
        switch document {
        case .array(let elements):
            objects = elements
        case .object:
            if let type = document["type"]?.stringValue, type != "bundle" {
                objects = [document]
            } else if let elements = document["objects"]?.arrayValue {
                objects = elements
            } else if document["type"] != nil {
                throw RiposteError.invalid("STIX bundle has no 'objects' array")
            } else {
                throw RiposteError.invalid("input is neither a STIX bundle, a TAXII envelope nor a STIX object")
            }
        default:
            throw RiposteError.invalid("input is neither a STIX bundle, a TAXII envelope nor a STIX object")
        }
        return try importObjects(objects, options: options, limits: limits)
    }

    /// Imports already parsed STIX objects (for callers that hold a TAXII page's `objects`).
    /// - Throws: `RiposteError(.tooLarge)` when there are more than `limits.maxObjects`.
    package static func importObjects(
        _ objects: [JSONValue], options: IndicatorImportOptions, limits: STIXImportLimits = STIXImportLimits()
    ) throws -> STIXImportResult {
        guard objects.count <= limits.maxObjects else {
            throw RiposteError(.tooLarge, "STIX input has more than \(limits.maxObjects) objects")
        }
        var importer = Importer(options: options, limits: limits, objectCount: objects.count)
        for (index, object) in objects.enumerated() {
            importer.add(object, index: index)
        }
        return importer.finish()
    }

    /// Imports objects one by one, in bundle order; references to identities and markings that come later in the
    /// bundle are resolved by `finish()`.
    private struct Importer {
        /// A record whose `created_by_ref` or marking refs named objects not seen yet when it was read.
        struct Unresolved {
            var record: Int
            var indicators: Range<Int>
            var markingRefs: [String]
        }

        let options: IndicatorImportOptions
        let limits: STIXImportLimits
        var result = STIXImportResult()
        var context = Context()
        var seen: Set<STIXIndexEntry> = []
        var unresolved: [Unresolved] = []

        init(options: IndicatorImportOptions, limits: STIXImportLimits, objectCount: Int) {
            self.options = options
            self.limits = limits
            result.objectCount = objectCount
            seen.reserveCapacity(objectCount)
            result.indicators.reserveCapacity(objectCount)
            result.records.reserveCapacity(objectCount)
        }

        mutating func add(_ object: JSONValue, index: Int) {
            do throws(ObjectImportIssue) {
                let (type, kind) = try context.checkedType(object)
                switch kind {
                case .unknown:
                    result.unknownTypes[type, default: 0] += 1
                case .observable:
                    result.observables.append(try context.observable(object, type: type, index: index))
                case .other:
                    context.learn(object, type: type)
                    result.skippedByType[type, default: 0] += 1
                case .indicator:
                    let (record, markingRefs, isResolved) = try context.indicator(
                        object, index: index, limits: limits.pattern)
                    let first = result.indicators.count
                    switch record.matching {
                    case .indexed(let entries):
                        for entry in entries {
                            guard seen.insert(entry).inserted else {
                                result.duplicateCount += 1
                                continue
                            }
                            result.indicators.append(STIXBundleImporter.indicator(entry, record: record, options: options))
                        }
                    case .unsupportedPatternType:
                        result.unsupportedPatternTypes[record.patternType, default: 0] += 1
                    case .evaluated(let pattern):
                        // Stored as its pattern text; the index compiles it and evaluates it per alert.
                        guard !STIXPatternEvaluator.observableTypes(in: pattern).isEmpty else {
                            result.unmatchablePatternCount += 1
                            break
                        }
                        let entry = STIXIndexEntry(type: .stixPattern, value: record.pattern)
                        if seen.insert(entry).inserted {
                            result.indicators.append(STIXBundleImporter.indicator(entry, record: record, options: options))
                        } else {
                            result.duplicateCount += 1
                        }
                    }
                    if !isResolved {
                        unresolved.append(
                            Unresolved(
                                record: result.records.count, indicators: first..<result.indicators.count,
                                markingRefs: markingRefs))
                    }
                    result.records.append(record)
                }
            } catch {
                fail(index: index, id: object["id"]?.stringValue, reason: error.reason)
            }
        }

        mutating func fail(index: Int, id: String?, reason: String) {
            result.errorCount += 1
            if result.errors.count < limits.maxReportedErrors {
                result.errors.append(STIXObjectError(index: index, id: id, reason: reason))
            }
        }

        consuming func finish() -> STIXImportResult {
            for item in unresolved {
                let tlp = context.tlp(item.markingRefs)
                result.records[item.record].tlp = tlp
                result.records[item.record].createdBy = result.records[item.record].createdByRef.flatMap {
                    context.identityNames[$0]
                }
                for position in item.indicators { result.indicators[position].tlp = tlp }
            }
            return result
        }
    }

    /// The Core indicator for one index entry of a record.
    fileprivate static func indicator(
        _ entry: STIXIndexEntry, record: STIXIndicatorRecord, options: IndicatorImportOptions
    ) -> Indicator {
        let label = (record.indicatorTypes.first ?? record.labels.first).flatMap {
            $0.utf8.count <= 128 || $0.count <= 128 ? $0 : nil
        }
        return Indicator(
            type: entry.type, value: entry.value, feed: options.feed, confidence: record.confidence ?? options.confidence,
            label: label ?? options.label, firstSeen: options.firstSeen, validFrom: record.validFrom,
            validUntil: record.validUntil, revoked: record.revoked, tlp: record.tlp, sourceRef: record.id,
            description: record.name ?? record.description)
    }
}

/// Why one object (a STIX object, a MISP attribute) was not imported.
struct ObjectImportIssue: Error {
    var reason: String
}

/// What the importer has learnt from the objects read so far: identity names and TLP markings.
private struct Context {
    var identityNames: [String: String] = [:]
    var markings: [String: TLP] = STIXMarkings.standard

    /// Remembers an identity's name or a marking definition's TLP.
    mutating func learn(_ object: JSONValue, type: String) {
        guard type == "identity" || type == "marking-definition", let id = object["id"]?.stringValue else { return }
        if type == "identity", let name = object["name"]?.stringValue {
            identityNames[id] = name
        } else if markings[id] == nil, let tlp = STIXMarkings.tlp(ofDefinition: object) {
            markings[id] = tlp
        }
    }

    /// The most restrictive TLP among `refs`.
    func tlp(_ refs: [String]) -> TLP? {
        refs.compactMap { markings[$0] }.max()
    }

    /// How the importer treats an object type.
    enum Kind {
        case indicator, observable, other, unknown
    }

    /// The object's `type` and kind after checking its shape and `id`. - Throws: for a malformed object.
    func checkedType(_ object: JSONValue) throws(ObjectImportIssue) -> (String, Kind) {
        guard case .object = object else { throw ObjectImportIssue(reason: "not a JSON object") }
        guard let type = object["type"]?.stringValue else { throw ObjectImportIssue(reason: "missing string 'type'") }
        guard (3...250).contains(type.utf8.count),
            type.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        else {
            throw ObjectImportIssue(reason: "type \(IndicatorClassifier.quoted(type)) is not 3–250 of a–z, 0–9, '-'")
        }
        guard let id = object["id"]?.stringValue else { throw ObjectImportIssue(reason: "missing string 'id'") }
        guard Self.isIdentifier(id, of: type) else {
            throw ObjectImportIssue(reason: "id \(IndicatorClassifier.quoted(id)) is not '\(type)--<UUID>'")
        }
        if type == "indicator" { return (type, .indicator) }
        if Self.observableTypes.contains(type) { return (type, .observable) }
        if Self.otherTypes.contains(type) || type.hasPrefix("x-") || Self.definesCustomObject(object) {
            return (type, .other)
        }
        return (type, .unknown)
    }

    /// Reads a STIX Cyber-observable Object. - Throws: when a property Riposte extracts is malformed.
    func observable(_ object: JSONValue, type: String, index: Int) throws(ObjectImportIssue) -> STIXObservableRecord {
        var drafts: [ObservableDraft] = []
        func read(_ key: String, as observableType: ObservableType) throws(ObjectImportIssue) {
            guard let raw = try string(object, key) else { throw ObjectImportIssue(reason: "missing '\(key)'") }
            guard let draft = ObservableDraft(observableType, raw) else {
                throw ObjectImportIssue(
                    reason: "\(key) \(IndicatorClassifier.quoted(raw)) is not a valid \(observableType.rawValue)")
            }
            drafts.append(draft)
        }
        switch type {
        case "ipv4-addr", "ipv6-addr":
            // The value may be a network (`198.51.100.0/24`): a valid CIDR is not an observable.
            guard let raw = try string(object, "value") else { throw ObjectImportIssue(reason: "missing 'value'") }
            guard let (kind, value) = STIXIndexablePath.address(raw, v6: type == "ipv6-addr") else {
                throw ObjectImportIssue(reason: "value \(IndicatorClassifier.quoted(raw)) is not a valid address or CIDR")
            }
            switch kind {
            case .ipv4: drafts.append(ObservableDraft(type: .ipv4, normalizedValue: value))
            case .ipv6: drafts.append(ObservableDraft(type: .ipv6, normalizedValue: value))
            default: break
            }
        case "domain-name": try read("value", as: .domain)
        case "url": try read("value", as: .url)
        case "email-addr": try read("value", as: .email)
        case "user-account":
            if object["account_login"] != nil { try read("account_login", as: .username) }
        case "file":
            guard let hashes = object["hashes"] else { break }
            guard case .object(let members) = hashes else { throw ObjectImportIssue(reason: "'hashes' is not an object") }
            for (algorithm, value) in members {
                let observableType: ObservableType
                switch STIXIndexablePath.hashAlgorithm(algorithm) {
                case .md5?: observableType = .md5
                case .sha1?: observableType = .sha1
                case .sha256?: observableType = .sha256
                default: continue
                }
                guard let raw = value.stringValue, let draft = ObservableDraft(observableType, raw) else {
                    throw ObjectImportIssue(reason: "hashes.\(algorithm) is not a valid \(observableType.rawValue)")
                }
                drafts.append(draft)
            }
        default: break
        }
        return STIXObservableRecord(id: object["id"]?.stringValue ?? "", index: index, objectType: type, observables: drafts)
    }

    /// Reads an `indicator` object, with its marking refs and whether its refs all named objects already seen.
    /// - Throws: for a missing or malformed property or a broken pattern.
    func indicator(
        _ object: JSONValue, index: Int, limits: STIXPatternLimits
    ) throws(ObjectImportIssue) -> (STIXIndicatorRecord, markingRefs: [String], isResolved: Bool) {
        let id = object["id"]?.stringValue ?? ""
        let specVersion = try string(object, "spec_version")
        if let specVersion, specVersion != "2.1" && specVersion != "2.0" {
            throw ObjectImportIssue(reason: "spec_version '\(specVersion.prefix(16))' is not 2.1")
        }
        guard let pattern = try string(object, "pattern") else { throw ObjectImportIssue(reason: "missing 'pattern'") }
        // STIX 2.0 indicators (no spec_version on the object) have no pattern_type: their patterns are STIX.
        guard let patternType = try string(object, "pattern_type") ?? (specVersion == nil ? "stix" : nil) else {
            throw ObjectImportIssue(reason: "missing 'pattern_type'")
        }
        guard let validFrom = try timestamp(object, "valid_from") else {
            throw ObjectImportIssue(reason: "missing 'valid_from'")
        }
        let validUntil = try timestamp(object, "valid_until")
        if let validUntil, validUntil <= validFrom {
            throw ObjectImportIssue(reason: "valid_until is not after valid_from")
        }
        let confidence: Int?
        switch object["confidence"] {
        case nil: confidence = nil
        case .number(let number)? where number.rounded() == number && (0...100).contains(number): confidence = Int(number)
        default: throw ObjectImportIssue(reason: "confidence is not an integer 0–100")
        }
        let revoked: Bool
        switch object["revoked"] {
        case nil: revoked = false
        case .bool(let flag)?: revoked = flag
        default: throw ObjectImportIssue(reason: "revoked is not a boolean")
        }
        let createdByRef = try string(object, "created_by_ref")
        let markingRefs = try strings(object, "object_marking_refs")

        let matching: STIXIndicatorRecord.Matching
        if patternType == "stix" {
            let parsed: STIXPattern
            do {
                parsed = try STIXPatternParser.parse(pattern, limits: limits)
            } catch let error as RiposteError {
                throw ObjectImportIssue(reason: error.message)
            } catch {
                throw ObjectImportIssue(reason: "pattern could not be parsed")
            }
            do {
                switch try STIXPatternReducer.reduce(parsed) {
                case .indexed(let entries): matching = .indexed(entries)
                case .evaluated:
                    _ = try STIXPatternEvaluator(parsed)  // rejects a MATCHES regex that cannot be run
                    matching = .evaluated(parsed)
                }
            } catch {
                throw ObjectImportIssue(reason: "pattern: \(error.reason)")
            }
        } else {
            matching = .unsupportedPatternType
        }
        let createdBy = createdByRef.flatMap { identityNames[$0] }
        let record = STIXIndicatorRecord(
            id: id, index: index, name: try string(object, "name"), description: try string(object, "description"),
            pattern: pattern, patternType: patternType, validFrom: validFrom, validUntil: validUntil, revoked: revoked,
            confidence: confidence, labels: try strings(object, "labels"), indicatorTypes: try strings(object, "indicator_types"),
            tlp: tlp(markingRefs), createdByRef: createdByRef, createdBy: createdBy, matching: matching)
        let isResolved = (createdByRef == nil || createdBy != nil) && markingRefs.allSatisfy { markings[$0] != nil }
        return (record, markingRefs, isResolved)
    }

    private func string(_ object: JSONValue, _ key: String) throws(ObjectImportIssue) -> String? {
        switch object[key] {
        case nil: return nil
        case .string(let text)?: return text
        default: throw ObjectImportIssue(reason: "'\(key)' is not a string")
        }
    }

    private func strings(_ object: JSONValue, _ key: String) throws(ObjectImportIssue) -> [String] {
        guard let value = object[key] else { return [] }
        guard let elements = value.arrayValue else { throw ObjectImportIssue(reason: "'\(key)' is not a list") }
        var texts: [String] = []
        texts.reserveCapacity(elements.count)
        for element in elements {
            guard let text = element.stringValue else { throw ObjectImportIssue(reason: "'\(key)' holds a non-string") }
            texts.append(text)
        }
        return texts
    }

    /// An RFC 3339 UTC timestamp (`2016-01-01T00:00:00.000Z`, any number of fraction digits).
    private func timestamp(_ object: JSONValue, _ key: String) throws(ObjectImportIssue) -> Date? {
        guard let text = try string(object, key) else { return nil }
        guard text.utf8.count >= 20, text.utf8.count <= 40, text.utf8.last == UInt8(ascii: "Z"),
            text.utf8.dropFirst(10).first == UInt8(ascii: "T"), let date = FirstSeenText.date(text)
        else { throw ObjectImportIssue(reason: "\(key) \(IndicatorClassifier.quoted(text)) is not an RFC 3339 UTC timestamp") }
        return date
    }

    /// `<type>--<UUID>`, the UUID as 8-4-4-4-12 hex digits; read over the UTF-8 buffer, as every object's id is.
    private static func isIdentifier(_ id: String, of type: String) -> Bool {
        let typeCount = type.utf8.count
        guard id.utf8.count == typeCount + 38, id.utf8.starts(with: type.utf8) else { return false }
        var id = id
        return id.withUTF8 { bytes in
            guard bytes[typeCount] == UInt8(ascii: "-"), bytes[typeCount + 1] == UInt8(ascii: "-") else { return false }
            for position in 0..<36 {
                let byte = bytes[typeCount + 2 + position]
                let isDash = position == 8 || position == 13 || position == 18 || position == 23
                guard isDash ? byte == UInt8(ascii: "-") : AddressText.hexDigitValue(byte) != nil else { return false }
            }
            return true
        }
    }

    /// A custom object announced by an extension definition (`extension_type` `new-sdo`, `new-sco`, `new-sro`).
    private static func definesCustomObject(_ object: JSONValue) -> Bool {
        guard case .object(let extensions)? = object["extensions"] else { return false }
        return extensions.contains {
            $0.0.hasPrefix("extension-definition--") && $0.1["extension_type"]?.stringValue?.hasPrefix("new-") == true
        }
    }

    /// STIX 2.1 SCOs (section 6).
    private static let observableTypes: Set<String> = [
        "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file", "ipv4-addr",
        "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url", "user-account",
        "windows-registry-key", "x509-certificate",
    ]

    /// STIX 2.1 SDOs other than indicator, SROs and meta objects.
    private static let otherTypes: Set<String> = [
        "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "infrastructure",
        "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data", "opinion", "report",
        "threat-actor", "tool", "vulnerability", "relationship", "sighting", "marking-definition", "language-content",
        "extension-definition",
    ]
}
