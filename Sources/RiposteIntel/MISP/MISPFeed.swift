// The index files of a MISP feed directory: `manifest.json` (event uuid → last change, for incremental fetch)
// and `hashes.csv` (md5 of each attribute value → event uuid).
package import RiposteCore

/// One event listed by a feed's `manifest.json`.
package struct MISPManifestEntry: Sendable, Hashable {
    package var uuid: String
    package var info: String?
    /// Last change of the event, Unix seconds.
    package var timestamp: Int64
    package var date: String?
    package var threatLevel: MISPThreatLevel?
    package var tlp: TLP?
    /// `Orgc.name`: the organisation that created the event.
    package var creator: String?
}

/// A feed's `manifest.json`: `{"<event uuid>": {"info", "date", "timestamp", "threat_level_id", "Orgc", "Tag"}, …}`.
package struct MISPFeedManifest: Sendable, Hashable {
    /// Entries sorted by uuid.
    package var entries: [MISPManifestEntry]

    /// - Throws: `RiposteError(.invalid)` when the input is not a JSON object of events or an entry lacks a
    ///   valid `timestamp` (naming the event uuid); `.tooLarge` beyond `maxBytes`.
    package static func parse(_ bytes: some Collection<UInt8>, maxBytes: Int = 64 << 20) throws -> MISPFeedManifest {
        guard bytes.count <= maxBytes else {
            throw RiposteError(.tooLarge, "MISP manifest is larger than \(maxBytes) bytes")
        }
        guard case .object(let members) = try JSONParser.parse(Array(bytes)) else {
            throw RiposteError.invalid("MISP manifest is not a JSON object keyed by event uuid")
        }
        var entries: [MISPManifestEntry] = []
        entries.reserveCapacity(members.count)
        for (uuid, entry) in members {
            guard isUUID(uuid) else {
                throw RiposteError.invalid("MISP manifest key \(IndicatorClassifier.quoted(uuid)) is not an event uuid")
            }
            guard case .object = entry, let timestamp = entry["timestamp"].flatMap(MISPEventImporter.text),
                let seconds = Int64(timestamp), seconds >= 0
            else { throw RiposteError.invalid("MISP manifest event \(uuid) has no valid 'timestamp'") }
            entries.append(
                MISPManifestEntry(
                    uuid: uuid.lowercased(), info: entry["info"]?.stringValue, timestamp: seconds,
                    date: entry["date"]?.stringValue,
                    threatLevel: entry["threat_level_id"].flatMap(MISPEventImporter.text).flatMap(MISPThreatLevel.init),
                    tlp: MISPEventImporter.tlp(in: MISPEventImporter.tagNames(entry["Tag"])),
                    creator: entry["Orgc"]?["name"]?.stringValue))
        }
        entries.sort { $0.uuid < $1.uuid }
        return MISPFeedManifest(entries: entries)
    }

    /// The events to (re)fetch given the timestamps seen at the last fetch: those never seen and those changed
    /// since, oldest change first (so an interrupted fetch resumes without skipping one).
    package func eventsToFetch(lastSeen: [String: Int64]) -> [MISPManifestEntry] {
        entries.filter { entry in lastSeen[entry.uuid].map { entry.timestamp > $0 } ?? true }
            .sorted { ($0.timestamp, $0.uuid) < ($1.timestamp, $1.uuid) }
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (position, byte) in bytes.enumerated() {
            let isDash = position == 8 || position == 13 || position == 18 || position == 23
            guard isDash ? byte == UInt8(ascii: "-") : AddressText.hexDigitValue(byte) != nil else { return false }
        }
        return true
    }
}

/// One line of a feed's `hashes.csv`: the MD5 of an attribute value (each part of a composite value separately)
/// and the event that holds it.
package struct MISPFeedHash: Sendable, Hashable {
    package var md5: String
    package var eventUUID: String
}

/// Reads `hashes.csv`.
package enum MISPFeedHashes {
    /// - Throws: `RiposteError(.invalid)` naming the line of a malformed record (not `<32 hex>,<uuid>`) or an
    ///   invalid UTF-8 byte; `.tooLarge` beyond `limits`. Blank lines are skipped.
    package static func parse(
        _ bytes: some Collection<UInt8>, limits: IndicatorParseLimits = IndicatorParseLimits(maxLines: 50_000_000)
    ) throws -> [MISPFeedHash] {
        let text = try IndicatorInput.validated(bytes, limits: limits)
        var hashes: [MISPFeedHash] = []
        try IndicatorInput.forEachLine(text) { number, line in
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
            let fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            let hash = fields.first.map { String(decoding: $0, as: UTF8.self).lowercased() } ?? ""
            let uuid = fields.count == 2 ? String(decoding: fields[1], as: UTF8.self).lowercased() : ""
            guard fields.count == 2, let md5 = ObservableNormalizer.normalize(hash, as: .md5), MISPFeedManifest.isUUID(uuid)
            else { throw RiposteError.invalid("hashes.csv line \(number): expected '<md5>,<event uuid>'") }
            hashes.append(MISPFeedHash(md5: md5, eventUUID: uuid))
        }
        return hashes
    }
}
