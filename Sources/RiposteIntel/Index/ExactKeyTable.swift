// Sorted fixed-width keys (IPv4, IPv6, digests) with one metadata row each; a key listed by several
// feeds appears once per feed, adjacent. Lookup is a binary search within one directory bucket.
import RiposteRuntime

struct ExactKeyTable<Key: DirectoryKey>: Sendable {
    private let keys: [Key]
    private let directory: BucketDirectory
    let metadata: [EntryMetadata]

    /// Sorts `rows` by key, feed, then first seen, keeping one row per key and feed (the earliest).
    init(sorting rows: consuming [StagedRow<Key>]) {
        rows.sort { $0.key != $1.key ? $0.key < $1.key : $0.metadata.precedes($1.metadata) }
        var keys: [Key] = []
        var metadata: [EntryMetadata] = []
        keys.reserveCapacity(rows.count)
        metadata.reserveCapacity(rows.count)
        for row in rows {
            if let lastKey = keys.last, lastKey == row.key, metadata[metadata.count - 1].feedID == row.metadata.feedID {
                continue
            }
            keys.append(row.key)
            metadata.append(row.metadata)
        }
        self.directory = BucketDirectory(sorted: keys)
        self.keys = keys
        self.metadata = metadata
        HugePages.advise(keys)
        HugePages.advise(metadata)
    }

    var count: Int { keys.count }

    var byteSize: Int {
        keys.capacity * MemoryLayout<Key>.stride + directory.byteSize
            + metadata.capacity * MemoryLayout<EntryMetadata>.stride
    }

    /// The rows whose key equals `key`; empty when it is not listed.
    func rows(matching key: Key) -> Range<Int> {
        let bucket = directory.bucket(of: key)
        return keys.withUnsafeBufferPointer { keys in
            let first = keys.lowerBound(of: key, in: bucket)
            var end = first
            while end < bucket.upperBound && keys[end] == key { end += 1 }
            return first..<end
        }
    }
}
