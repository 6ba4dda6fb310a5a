// An immutable, compact in-memory snapshot of every indicator, answering "what intel names this
// observable" in about a microsecond or less, without allocating on a miss.

import FoundationEssentials
package import RiposteCore

/// Threat-intel indicators laid out for lookup: sorted integer keys for IPs, CIDRs and digests
/// (searched within a small bucket directory), an open-addressing table of hash fingerprints over
/// one byte arena of records for domains, URLs and emails, and 16 bytes of packed metadata per row
/// (feed and label as table ids, confidence, first seen). About 40 bytes per indicator for a
/// typical mix (see `IntelIndexBenchmark`).
///
/// What a lookup checks, by observable type (hits in this order):
/// - `ipv4`, `ipv6`: listed addresses (`.exact`), then every listed CIDR containing it, most specific
///   first (`.cidr`). An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is also checked as its IPv4 address.
/// - `domain`, `hostname`: the name itself (`.exact`), then each parent domain of at least two labels,
///   closest first (`a.b.evil.example` hits `evil.example` as `.parentDomain`).
/// - `url`: the URL itself (`.exact`), then its host as above: an IP host against IPs and CIDRs, a
///   name host against domains (`.exact` when the host is the listed domain, else `.parentDomain`).
/// - `email`: the address (`.exact`), then the part after `@` against domains as above.
/// - `md5`, `sha1`, `sha256`: the digest (`.exact`). `username`: nothing.
/// - then every STIX pattern that holds for the observable alone (`.pattern`); ``patternHits(_:)``
///   evaluates them against all the observables of one alert.
/// A value listed by several feeds gives one hit per feed, in feed-name order.
package final class IndicatorIndex: Sendable {
    private let feeds: [String]
    private let labels: [String]
    private let ipv4: ExactKeyTable<UInt32>
    private let ipv6: ExactKeyTable<UInt128>
    private let cidr4: PrefixTable<UInt32>
    private let cidr6: PrefixTable<UInt128>
    private let md5: ExactKeyTable<UInt128>
    private let sha1: ExactKeyTable<SHA1Digest>
    private let sha256: ExactKeyTable<SHA256Digest>
    private let domains: StringKeyTable
    private let urls: StringKeyTable
    private let emails: StringKeyTable
    private let patterns: PatternTable
    /// Bit n is set when some listed domain has n labels; a suffix with another count is not probed.
    private let domainLabelCounts: UInt128
    /// Indicators the builder left out (see `Builder.skippedCount`).
    package let skippedCount: Int

    /// Builds an index of `indicators` in one go; use `Builder` to feed batches.
    package convenience init(indicators: some Sequence<Indicator>) {
        var builder = Builder()
        builder.add(contentsOf: indicators)
        self.init(builder)
    }

    init(_ builder: consuming Builder) {
        builder.numberFeedsByName()
        feeds = builder.feeds
        labels = builder.labels
        skippedCount = builder.skippedCount
        ipv4 = ExactKeyTable(sorting: Self.take(&builder.ipv4))
        ipv6 = ExactKeyTable(sorting: Self.take(&builder.ipv6))
        cidr4 = PrefixTable(sorting: Self.take(&builder.cidr4))
        cidr6 = PrefixTable(sorting: Self.take(&builder.cidr6))
        md5 = ExactKeyTable(sorting: Self.take(&builder.md5))
        sha1 = ExactKeyTable(sorting: Self.take(&builder.sha1))
        sha256 = ExactKeyTable(sorting: Self.take(&builder.sha256))
        domains = StringKeyTable(sorting: Self.take(&builder.domains))
        urls = StringKeyTable(sorting: Self.take(&builder.urls))
        emails = StringKeyTable(sorting: Self.take(&builder.emails))
        patterns = PatternTable(patterns: Self.take(&builder.patterns))
        domainLabelCounts = builder.domainLabelCounts
    }

    /// Moves a staging buffer out of the builder so sorting it does not copy it.
    private static func take<Value: RangeReplaceableCollection>(_ value: inout Value) -> Value {
        defer { value = Value() }
        return value
    }

    private static func take(_ value: inout StagedStrings) -> StagedStrings {
        defer { value = StagedStrings() }
        return value
    }

    /// Indexed indicators (one per value and feed).
    package var count: Int {
        IndicatorType.allCases.reduce(0) { $0 + count(of: $1) }
    }

    /// Indexed indicators of one type.
    package func count(of type: IndicatorType) -> Int {
        switch type {
        case .ipv4: ipv4.count
        case .ipv6: ipv6.count
        case .cidr4: cidr4.count
        case .cidr6: cidr6.count
        case .domain: domains.count
        case .url: urls.count
        case .email: emails.count
        case .md5: md5.count
        case .sha1: sha1.count
        case .sha256: sha256.count
        case .stixPattern: patterns.patterns.count
        }
    }

    /// Bytes the index's arrays hold (capacity, not just count), excluding the feed and label tables' strings.
    package var byteSize: Int {
        ipv4.byteSize + ipv6.byteSize + cidr4.byteSize + cidr6.byteSize + md5.byteSize + sha1.byteSize
            + sha256.byteSize + domains.byteSize + urls.byteSize + emails.byteSize
            + (feeds.capacity + labels.capacity) * MemoryLayout<String>.stride
    }

    /// Every hit for an observable whose value is already normalised (`ObservableNormalizer`); empty
    /// when nothing matches or the value does not parse as `type`.
    /// `includingPatterns: false` leaves STIX patterns out, for callers that evaluate them per alert.
    package func lookup(_ type: ObservableType, _ normalizedValue: String, includingPatterns: Bool = true) -> [IntelHit] {
        var value = normalizedValue
        return value.withUTF8 { bytes in
            var hits: [IntelHit] = []
            switch type {
            case .ipv4:
                if let address = AddressText.ipv4(bytes) { appendHits(ipv4: address, into: &hits) }
            case .ipv6:
                if let address = AddressText.ipv6(bytes) { appendHits(ipv6: address, into: &hits) }
            case .domain, .hostname:
                appendHits(domain: bytes, into: &hits)
            case .url:
                appendHits(url: bytes, into: &hits)
            case .email:
                appendHits(email: bytes, into: &hits)
            case .md5:
                if let digest = DigestText.md5(bytes) {
                    append(md5.rows(matching: digest), of: md5.metadata, DigestText.text(digest), .exact, to: &hits)
                }
            case .sha1:
                if let digest = DigestText.sha1(bytes) {
                    append(sha1.rows(matching: digest), of: sha1.metadata, DigestText.text(digest), .exact, to: &hits)
                }
            case .sha256:
                if let digest = DigestText.sha256(bytes) {
                    append(
                        sha256.rows(matching: digest), of: sha256.metadata, DigestText.text(digest), .exact, to: &hits)
                }
            case .username:
                break
            }
            if includingPatterns && !patterns.patterns.isEmpty {
                patterns.forEachMatch(in: [ObservableDraft(type: type, normalizedValue: normalizedValue)]) { pattern, _ in
                    hits.append(hit(pattern.metadata, pattern.text, .pattern))
                }
            }
            return hits
        }
    }

    private func appendHits(ipv4 address: UInt32, into hits: inout [IntelHit]) {
        append(ipv4.rows(matching: address), of: ipv4.metadata, AddressText.ipv4Text(address), .exact, to: &hits)
        cidr4.forEachNetwork(containing: address) { network, prefixLength, rows in
            append(
                rows, of: cidr4.metadata, AddressText.ipv4Text(network) + "/" + String(prefixLength), .cidr, to: &hits)
        }
    }

    private func appendHits(ipv6 address: UInt128, into hits: inout [IntelHit]) {
        append(ipv6.rows(matching: address), of: ipv6.metadata, AddressText.ipv6Text(address), .exact, to: &hits)
        cidr6.forEachNetwork(containing: address) { network, prefixLength, rows in
            append(
                rows, of: cidr6.metadata, AddressText.ipv6Text(network) + "/" + String(prefixLength), .cidr, to: &hits)
        }
        if let mapped = AddressText.mappedIPv4(address) { appendHits(ipv4: mapped, into: &hits) }
    }

    /// The name itself, then each parent of two or more labels, skipping label counts no listed domain has.
    private func appendHits(domain name: UnsafeBufferPointer<UInt8>, into hits: inout [IntelHit]) {
        var suffix = name.last == UInt8(ascii: ".") ? UnsafeBufferPointer(rebasing: name.dropLast()) : name
        guard !suffix.isEmpty else { return }
        var labelBit = Self.labelCountBit(of: suffix)
        var match = IntelMatchKind.exact
        while true {
            if domainLabelCounts & labelBit != 0, let record = domains.find(suffix, hash: StringKeyHash.hash(suffix)) {
                append(record, of: domains, match, to: &hits)
            }
            // Parents keep at least two labels: stop once the suffix is down to two.
            guard labelBit > 0b100, let dot = suffix.firstIndex(of: UInt8(ascii: ".")) else { break }
            suffix = UnsafeBufferPointer(rebasing: suffix[(dot + 1)...])
            labelBit >>= 1
            match = .parentDomain
        }
    }

    /// The bit for a domain's label count in a label-count mask (bit 127 for 127 labels or more).
    static func labelCountBit(of domain: UnsafeBufferPointer<UInt8>) -> UInt128 {
        let trimmed = domain.last == UInt8(ascii: ".") ? UnsafeBufferPointer(rebasing: domain.dropLast()) : domain
        let labels = trimmed.reduce(1) { $1 == UInt8(ascii: ".") ? $0 + 1 : $0 }
        return 1 << min(labels, 127)
    }

    private func appendHits(url: UnsafeBufferPointer<UInt8>, into hits: inout [IntelHit]) {
        if let record = urls.find(url, hash: StringKeyHash.hash(url)) {
            append(record, of: urls, .exact, to: &hits)
        }
        guard let host = Self.host(ofURL: url) else { return }
        if let address = AddressText.ipv4(host) {
            appendHits(ipv4: address, into: &hits)
        } else if let address = AddressText.ipv6(host) {
            appendHits(ipv6: address, into: &hits)
        } else {
            appendHits(domain: host, into: &hits)
        }
    }

    private func appendHits(email: UnsafeBufferPointer<UInt8>, into hits: inout [IntelHit]) {
        if let record = emails.find(email, hash: StringKeyHash.hash(email)) {
            append(record, of: emails, .exact, to: &hits)
        }
        if let at = email.lastIndex(of: UInt8(ascii: "@")) {
            appendHits(domain: UnsafeBufferPointer(rebasing: email[(at + 1)...]), into: &hits)
        }
    }

    /// The host of `scheme://[user@]host[:port][/…]`, without brackets around an IPv6 literal.
    static func host(ofURL url: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let colon = url.firstIndex(of: UInt8(ascii: ":")), url.count > colon + 2,
            url[colon + 1] == UInt8(ascii: "/"), url[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let afterScheme = url[(colon + 3)...]
        let authorityEnd =
            afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? url.endIndex
        var host = url[(colon + 3)..<authorityEnd]
        if let at = host.lastIndex(of: UInt8(ascii: "@")) { host = host[(at + 1)...] }
        if host.first == UInt8(ascii: "[") {
            guard let close = host.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = host[(host.startIndex + 1)..<close]
        } else if let portColon = host.lastIndex(of: UInt8(ascii: ":")) {
            host = host[..<portColon]
        }
        return host.isEmpty ? nil : UnsafeBufferPointer(rebasing: host)
    }

    /// The STIX-pattern hits for the observables of one alert, by position: a pattern that holds gives a
    /// hit to each observable it names (see ``STIXPatternEvaluator/namedObservables(_:)``).
    package func patternHits(_ observables: [ObservableDraft]) -> [Int: [IntelHit]] {
        var hits: [Int: [IntelHit]] = [:]
        patterns.forEachMatch(in: observables) { pattern, named in
            for position in named { hits[position, default: []].append(hit(pattern.metadata, pattern.text, .pattern)) }
        }
        return hits
    }

    /// Whether the index holds STIX patterns to evaluate per alert.
    package var hasPatterns: Bool { !patterns.patterns.isEmpty }

    /// Appends one hit per row; the indicator text is only built when there is a row.
    private func append(
        _ rows: Range<Int>, of metadata: [EntryMetadata], _ indicator: @autoclosure () -> String,
        _ match: IntelMatchKind, to hits: inout [IntelHit]
    ) {
        guard !rows.isEmpty else { return }
        let indicator = indicator()
        hits.reserveCapacity(hits.count + rows.count)
        for row in rows { hits.append(hit(metadata[row], indicator, match)) }
    }

    /// Appends one hit per row (feed) of a domain, URL or email record.
    private func append(
        _ record: StringKeyTable.Record, of table: StringKeyTable, _ match: IntelMatchKind, to hits: inout [IntelHit]
    ) {
        let indicator = table.text(record)
        hits.reserveCapacity(hits.count + record.rowCount)
        for row in 0..<record.rowCount { hits.append(hit(table.metadata(record, row: row), indicator, match)) }
    }

    private func hit(_ entry: EntryMetadata, _ indicator: String, _ match: IntelMatchKind) -> IntelHit {
        IntelHit(
            feed: feeds[Int(entry.feedID)], indicator: indicator, match: match,
            firstSeen: Date(timeIntervalSince1970: Double(entry.firstSeenMilliseconds) / 1000),
            confidence: entry.confidence == EntryMetadata.unknownConfidence ? nil : Int(entry.confidence),
            label: entry.labelID == 0 ? nil : labels[Int(entry.labelID) - 1], tlp: entry.marking)
    }
}
