// Collects indicators (in batches, as the store pages them) and turns them into an IndicatorIndex.
package import RiposteCore

extension IndicatorIndex {
    /// Accumulates indicators; `build()` sorts and packs them into an immutable index.
    ///
    /// Values are expected in the normalised form the parsers and `ObservableNormalizer` produce; the
    /// builder parses IPs, CIDRs and digests into integers (clearing CIDR host bits), lowercases
    /// domains and emails, and drops a domain's trailing dot. An indicator whose value does not parse
    /// as its type is skipped and counted in `skippedCount`. The same value listed twice by one feed
    /// is kept once, with its earliest first-seen time.
    package struct Builder: Sendable {
        var feeds: [String] = []
        private var feedIDs: [String: UInt16] = [:]
        var labels: [String] = []
        private var labelIDs: [String: UInt32] = [:]
        var ipv4: [StagedRow<UInt32>] = []
        var ipv6: [StagedRow<UInt128>] = []
        var cidr4: [StagedPrefix<UInt32>] = []
        var cidr6: [StagedPrefix<UInt128>] = []
        var patterns: [IndexedPattern] = []
        var md5: [StagedRow<UInt128>] = []
        var sha1: [StagedRow<SHA1Digest>] = []
        var sha256: [StagedRow<SHA256Digest>] = []
        var domains = StagedStrings()
        var urls = StagedStrings()
        var emails = StagedStrings()
        /// Bit n is set when a listed domain has n labels (127 for 127 or more).
        var domainLabelCounts: UInt128 = 0
        /// Indicators left out: value not valid for its type (or a text over 65,535 bytes), or more
        /// than 65,535 feeds.
        package private(set) var skippedCount = 0

        package init() {}

        package mutating func add(contentsOf indicators: some Sequence<Indicator>) {
            for indicator in indicators { add(indicator) }
        }

        package mutating func add(_ indicator: Indicator) {
            guard let feedID = feedID(indicator.feed) else {
                skippedCount += 1
                return
            }
            let metadata = EntryMetadata(
                firstSeenMilliseconds: EntryMetadata.milliseconds(indicator.firstSeen),
                labelID: labelID(indicator.label), feedID: feedID,
                confidence: EntryMetadata.confidence(indicator.confidence), tlp: EntryMetadata.tlp(indicator.tlp))
            var value = indicator.value
            let staged = value.withUTF8 { stage(indicator.type, $0, metadata) }
            if !staged { skippedCount += 1 }
        }

        /// The index of everything added so far.
        package consuming func build() -> IndicatorIndex {
            IndicatorIndex(self)
        }

        /// Renumbers feeds in name order, so hits for one value come out sorted by feed name whatever
        /// order the indicators arrived in.
        mutating func numberFeedsByName() {
            let byName = feeds.indices.sorted { feeds[$0] < feeds[$1] }
            var newID = [UInt16](repeating: 0, count: feeds.count)
            for (position, oldID) in byName.enumerated() { newID[oldID] = UInt16(position) }
            func renumber(_ metadata: inout EntryMetadata) { metadata.feedID = newID[Int(metadata.feedID)] }
            for index in ipv4.indices { renumber(&ipv4[index].metadata) }
            for index in ipv6.indices { renumber(&ipv6[index].metadata) }
            for index in cidr4.indices { renumber(&cidr4[index].metadata) }
            for index in cidr6.indices { renumber(&cidr6[index].metadata) }
            for index in md5.indices { renumber(&md5[index].metadata) }
            for index in sha1.indices { renumber(&sha1[index].metadata) }
            for index in sha256.indices { renumber(&sha256[index].metadata) }
            for index in domains.rows.indices { renumber(&domains.rows[index].metadata) }
            for index in urls.rows.indices { renumber(&urls.rows[index].metadata) }
            for index in emails.rows.indices { renumber(&emails.rows[index].metadata) }
            for index in patterns.indices { renumber(&patterns[index].metadata) }
            feeds = byName.map { feeds[$0] }
            feedIDs = [:]
        }

        private mutating func stage(
            _ type: IndicatorType, _ value: UnsafeBufferPointer<UInt8>, _ metadata: EntryMetadata
        )
            -> Bool
        {
            switch type {
            case .ipv4:
                guard let address = AddressText.ipv4(value) else { return false }
                ipv4.append(StagedRow(key: address, metadata: metadata))
            case .ipv6:
                guard let address = AddressText.ipv6(value) else { return false }
                ipv6.append(StagedRow(key: address, metadata: metadata))
            case .cidr4:
                guard let (network, prefixLength) = AddressText.cidr4(value) else { return false }
                cidr4.append(StagedPrefix(network: network, prefixLength: prefixLength, metadata: metadata))
            case .cidr6:
                guard let (network, prefixLength) = AddressText.cidr6(value) else { return false }
                cidr6.append(StagedPrefix(network: network, prefixLength: prefixLength, metadata: metadata))
            case .md5:
                guard let digest = DigestText.md5(value) else { return false }
                md5.append(StagedRow(key: digest, metadata: metadata))
            case .sha1:
                guard let digest = DigestText.sha1(value) else { return false }
                sha1.append(StagedRow(key: digest, metadata: metadata))
            case .sha256:
                guard let digest = DigestText.sha256(value) else { return false }
                sha256.append(StagedRow(key: digest, metadata: metadata))
            case .domain:
                guard domains.append(value, lowercase: true, dropTrailingDot: true, metadata: metadata) else {
                    return false
                }
                domainLabelCounts |= IndicatorIndex.labelCountBit(of: value)
            case .url:
                return urls.append(value, lowercase: false, dropTrailingDot: false, metadata: metadata)
            case .email:
                return emails.append(value, lowercase: true, dropTrailingDot: false, metadata: metadata)
            case .stixPattern:
                guard let pattern = PatternTable.compile(String(decoding: value, as: UTF8.self), metadata: metadata) else {
                    return false
                }
                patterns.append(pattern)
            }
            return true
        }

        private mutating func feedID(_ feed: String) -> UInt16? {
            if let id = feedIDs[feed] { return id }
            guard feeds.count < Int(UInt16.max) else { return nil }
            let id = UInt16(feeds.count)
            feeds.append(feed)
            feedIDs[feed] = id
            return id
        }

        private mutating func labelID(_ label: String?) -> UInt32 {
            guard let label else { return 0 }
            if let id = labelIDs[label] { return id }
            labels.append(label)
            let id = UInt32(labels.count)
            labelIDs[label] = id
            return id
        }
    }
}
