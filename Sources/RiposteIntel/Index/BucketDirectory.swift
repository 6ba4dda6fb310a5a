// Narrows a binary search over sorted keys to one bucket of their leading bits, so a probe costs
// about two cache misses instead of one per halving (a lookup is memory-latency bound, not compute bound).
import RiposteRuntime

/// Keys that sort the same way as their leading 64 bits.
protocol DirectoryKey: Comparable, Sendable {
    /// The key's most significant 64 bits (left-aligned for narrower keys); non-decreasing in key order.
    var leadingBits: UInt64 { get }
}

extension UInt32: DirectoryKey {
    var leadingBits: UInt64 { UInt64(self) << 32 }
}

extension UInt128: DirectoryKey {
    var leadingBits: UInt64 { UInt64(truncatingIfNeeded: self >> 64) }
}

extension SHA1Digest: DirectoryKey {
    var leadingBits: UInt64 { first }
}

extension SHA256Digest: DirectoryKey {
    var leadingBits: UInt64 { first }
}

/// For 2^b buckets of leading bits, where each bucket's keys start in the sorted array. b is chosen so
/// a bucket holds about 64 bytes of keys when keys are spread out (16 IPv4 addresses, 4 MD5 digests,
/// 2 SHA-256 digests): one cache line to search. Costs 4 bytes a bucket, 0.25–2 bytes a key.
struct BucketDirectory: Sendable {
    private let shift: UInt64
    /// `starts[bucket]..<starts[bucket + 1]` are the bucket's positions.
    private let starts: [UInt32]

    init<Key: DirectoryKey>(sorted keys: [Key]) {
        let keysPerBucket = max(2, 64 / MemoryLayout<Key>.stride)
        let buckets = keys.count / keysPerBucket
        let bits = buckets < 2 ? 0 : min(24, Int.bitWidth - 1 - buckets.leadingZeroBitCount)
        shift = UInt64(64 - bits)
        var starts = [UInt32](repeating: 0, count: (1 << bits) + 1)
        var bucket = 0
        for (position, key) in keys.enumerated() {
            let keyBucket = Int(key.leadingBits >> shift)
            while bucket < keyBucket {
                bucket += 1
                starts[bucket] = UInt32(position)
            }
        }
        while bucket < starts.count - 1 {
            bucket += 1
            starts[bucket] = UInt32(keys.count)
        }
        self.starts = starts
        HugePages.advise(starts)
    }

    var byteSize: Int { starts.capacity * 4 }

    /// The positions whose keys share `key`'s bucket. Every key before them is smaller than `key` and
    /// every key after them larger, so `key`'s lower and upper bounds both lie in `lowerBound...upperBound`.
    @inline(__always)
    func bucket(of key: some DirectoryKey) -> Range<Int> {
        starts.withUnsafeBufferPointer { starts in
            let bucket = Int(key.leadingBits >> shift)
            return Int(starts[bucket])..<Int(starts[bucket + 1])
        }
    }
}

extension UnsafeBufferPointer where Element: Comparable {
    /// The first position in `range` whose element is not less than `key` (`range.upperBound` if none).
    @inline(__always)
    func lowerBound(of key: Element, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) >> 1
            if self[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first position in `range` whose element is greater than `key` (`range.upperBound` if none).
    @inline(__always)
    func upperBound(of key: Element, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) >> 1
            if self[middle] <= key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
