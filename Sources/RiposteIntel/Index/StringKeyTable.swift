// Domains, URLs or emails: a compact open-addressing table of 64-bit hash fingerprints pointing into
// one byte arena of records, each holding a distinct text (to confirm a fingerprint match and to
// print the hit) with its metadata rows. No Swift `String` is stored per indicator.
import RiposteRuntime

/// Texts collected by the builder: bytes appended to an arena, one row per text and feed.
struct StagedStrings: Sendable {
    struct Row: Sendable {
        var hash: UInt64
        var start: UInt32
        var length: UInt32
        var metadata: EntryMetadata
    }

    var arena: [UInt8] = []
    var rows: [Row] = []

    /// Appends a text, lowercased when `lowercase` (domains, emails), without a trailing dot when
    /// `dropTrailingDot` (domains). False when it is empty, longer than 65,535 bytes, or the table's
    /// records could pass 4 GiB (their offsets are 32-bit).
    mutating func append(
        _ text: UnsafeBufferPointer<UInt8>, lowercase: Bool, dropTrailingDot: Bool, metadata: EntryMetadata
    ) -> Bool {
        var bytes = text
        if dropTrailingDot, bytes.last == UInt8(ascii: ".") { bytes = UnsafeBufferPointer(rebasing: bytes.dropLast()) }
        let recordBytesAfter = arena.count + bytes.count + (rows.count + 1) * StringKeyTable.recordOverheadPerRow
        guard !bytes.isEmpty, bytes.count <= Int(UInt16.max), recordBytesAfter <= Int(UInt32.max) else { return false }
        let start = arena.count
        if lowercase {
            arena.append(contentsOf: bytes.lazy.map(StringKeyTable.asciiLowercase))
        } else {
            arena.append(contentsOf: bytes)
        }
        let hash = arena.withUnsafeBufferPointer { StringKeyHash.hash(UnsafeBufferPointer(rebasing: $0[start...])) }
        rows.append(Row(hash: hash, start: UInt32(start), length: UInt32(bytes.count), metadata: metadata))
        return true
    }
}

struct StringKeyTable: Sendable {
    /// One record per distinct text, at the offset its slot names:
    /// `[row count: UInt16][text length: UInt16][row count × 16-byte metadata][text bytes]`.
    /// A hit reads its slot and its record: usually two cache misses.
    private let records: [UInt8]
    /// Open addressing with linear probing, at most half full, indexed by the hash's low bits: a slot
    /// holds the hash's high 32 bits (made odd, so never 0) over its record's offset; 0 is empty.
    /// A miss usually reads one cache line.
    private let slots: [UInt64]
    /// Rows (one per text and feed).
    let count: Int

    private static let headerSize = 4
    private static let metadataSize = 16
    /// At most this many record bytes per row besides the text.
    static let recordOverheadPerRow = headerSize + metadataSize

    /// Sorts by hash and text, keeps one row per text and feed (the earliest), and packs each distinct
    /// text once into its record (`StagedStrings.append` keeps texts and records within their limits).
    init(sorting staged: consuming StagedStrings) {
        let source = staged.arena
        var rows = staged.rows
        staged = StagedStrings()
        source.withUnsafeBufferPointer { source in
            func text(_ row: StagedStrings.Row) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: source[Int(row.start)..<Int(row.start + row.length)])
            }
            rows.sort { lhs, rhs in
                if lhs.hash != rhs.hash { return lhs.hash < rhs.hash }
                let left = text(lhs)
                let right = text(rhs)
                if !left.elementsEqual(right) { return left.lexicographicallyPrecedes(right) }
                return lhs.metadata.precedes(rhs.metadata)
            }
        }
        var records: [UInt8] = []
        records.reserveCapacity(source.count + rows.count * Self.recordOverheadPerRow)
        var recordStarts: [(hash: UInt64, offset: Int)] = []
        var count = 0
        source.withUnsafeBufferPointer { source in
            var group = rows.startIndex
            while group < rows.endIndex {
                let first = rows[group]
                let bytes = source[Int(first.start)..<Int(first.start + first.length)]
                var end = group + 1
                while end < rows.endIndex, rows[end].hash == first.hash,
                    source[Int(rows[end].start)..<Int(rows[end].start + rows[end].length)].elementsEqual(bytes)
                {
                    end += 1
                }
                // One row per feed (at most 65,535 feeds): rows of a text are sorted by feed, then oldest first.
                var feedRows: [EntryMetadata] = []
                for row in rows[group..<end] where feedRows.last?.feedID != row.metadata.feedID {
                    feedRows.append(row.metadata)
                }
                recordStarts.append((first.hash, records.count))
                Self.appendRecord(rows: feedRows, text: bytes, to: &records)
                count += feedRows.count
                group = end
            }
        }
        // The smallest power of two of at least twice the texts (and 16): at most half full.
        let wanted = max(16, 2 * recordStarts.count)
        var slots = [UInt64](repeating: 0, count: 1 << (Int.bitWidth - (wanted - 1).leadingZeroBitCount))
        for (hash, offset) in recordStarts {
            var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = Self.fingerprint(hash) << 32 | UInt64(offset)
        }
        self.records = records
        self.slots = slots
        HugePages.advise(records)
        HugePages.advise(slots)
        self.count = count
    }

    var byteSize: Int {
        records.capacity + slots.capacity * 8
    }

    /// The record of `text` (whose `StringKeyHash` is `hash`), or nil when it is not listed.
    func find(_ text: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Record? {
        let fingerprint = Self.fingerprint(hash)
        return slots.withUnsafeBufferPointer { slots in
            records.withUnsafeBytes { records in
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 {
                    if slots[slot] >> 32 == fingerprint {
                        let record = Record(records: records, offset: Int(UInt32(truncatingIfNeeded: slots[slot])))
                        if record.textLength == text.count, Self.equal(records, at: record.textOffset, text) {
                            return record
                        }
                    }
                    slot = (slot + 1) & mask
                }
                return nil
            }
        }
    }

    /// A distinct text's place in the records.
    struct Record {
        fileprivate let offset: Int
        let rowCount: Int
        fileprivate let textLength: Int

        fileprivate init(records: UnsafeRawBufferPointer, offset: Int) {
            self.offset = offset
            rowCount = Int(records.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            textLength = Int(records.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
        }

        fileprivate var textOffset: Int { offset + StringKeyTable.headerSize + rowCount * StringKeyTable.metadataSize }
    }

    /// Row `index` (one per feed) of `record`.
    func metadata(_ record: Record, row index: Int) -> EntryMetadata {
        records.withUnsafeBytes { records in
            let offset = record.offset + Self.headerSize + index * Self.metadataSize
            return EntryMetadata(
                firstSeenMilliseconds: records.loadUnaligned(fromByteOffset: offset, as: Int64.self),
                labelID: records.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self),
                feedID: records.loadUnaligned(fromByteOffset: offset + 12, as: UInt16.self),
                confidence: records[offset + 14], tlp: records[offset + 15])
        }
    }

    /// The text of `record`.
    func text(_ record: Record) -> String {
        records.withUnsafeBufferPointer {
            String(decoding: $0[record.textOffset..<(record.textOffset + record.textLength)], as: UTF8.self)
        }
    }

    private static func appendRecord(rows: [EntryMetadata], text: some Collection<UInt8>, to records: inout [UInt8]) {
        func append<Value: FixedWidthInteger>(_ value: Value) {
            withUnsafeBytes(of: value.littleEndian) { records.append(contentsOf: $0) }
        }
        append(UInt16(rows.count))
        append(UInt16(text.count))
        for row in rows {
            append(row.firstSeenMilliseconds)
            append(row.labelID)
            append(row.feedID)
            append(row.confidence)
            append(row.tlp)
        }
        records.append(contentsOf: text)
    }

    @inline(__always)
    private static func fingerprint(_ hash: UInt64) -> UInt64 {
        hash >> 32 | 1
    }

    /// Whether the record bytes at `offset` equal `text` (same length), eight bytes at a time.
    private static func equal(_ records: UnsafeRawBufferPointer, at offset: Int, _ text: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        let other = UnsafeRawBufferPointer(text)
        var index = 0
        while index + 8 <= other.count {
            guard
                records.loadUnaligned(fromByteOffset: offset + index, as: UInt64.self)
                    == other.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            else { return false }
            index += 8
        }
        while index < other.count {
            guard records[offset + index] == other[index] else { return false }
            index += 1
        }
        return true
    }

    @inline(__always)
    static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }
}
