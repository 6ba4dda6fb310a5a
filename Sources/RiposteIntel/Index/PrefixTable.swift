// CIDR prefixes of one address family, answering "which listed networks contain this address".
//
// Rows are sorted by network address, wider prefixes first, then feed. Prefixes never partially
// overlap (two CIDRs are nested or disjoint), so they form a tree; each row keeps its nearest
// enclosing network (`parents`). Every network containing an address is an ancestor of (or is) the
// last row starting at or below the address, so a lookup is one (bucketed) binary search plus a walk up at
// most 33 (IPv4) or 129 (IPv6) levels — however many prefixes are nested inside a wide one.
// Before that, a small bitmap over the addresses' leading bits (up to 2^20 of them, 128 KiB) says
// whether any network can contain the address, so most addresses skip the search entirely.
import RiposteRuntime

struct StagedPrefix<Address: FixedWidthInteger & UnsignedInteger & DirectoryKey>: Sendable {
    var network: Address
    var prefixLength: UInt8
    var metadata: EntryMetadata
}

struct PrefixTable<Address: FixedWidthInteger & UnsignedInteger & DirectoryKey>: Sendable {
    private let networks: [Address]
    private let directory: BucketDirectory
    private let prefixLengths: [UInt8]
    /// For each row: the first row of the nearest enclosing network, or -1.
    private let parents: [Int32]
    /// Bit `address.leadingBits >> coverageShift` is set when some network overlaps those addresses.
    private let coverage: [UInt64]
    private let coverageShift: UInt64
    let metadata: [EntryMetadata]

    /// Sorts the prefixes, keeps one row per network and feed (the earliest), and links each to its parent.
    init(sorting rows: consuming [StagedPrefix<Address>]) {
        rows.sort {
            if $0.network != $1.network { return $0.network < $1.network }
            if $0.prefixLength != $1.prefixLength { return $0.prefixLength < $1.prefixLength }
            return $0.metadata.precedes($1.metadata)
        }
        var networks: [Address] = []
        var prefixLengths: [UInt8] = []
        var parents: [Int32] = []
        var metadata: [EntryMetadata] = []
        networks.reserveCapacity(rows.count)
        prefixLengths.reserveCapacity(rows.count)
        parents.reserveCapacity(rows.count)
        metadata.reserveCapacity(rows.count)
        // Networks enclosing the current row, innermost last, as (first row, last address).
        var enclosing: [(row: Int32, end: Address)] = []
        var groupParent: Int32 = -1
        for row in rows {
            let index = networks.count
            let sameNetwork =
                index > 0 && networks[index - 1] == row.network && prefixLengths[index - 1] == row.prefixLength
            if sameNetwork && metadata[index - 1].feedID == row.metadata.feedID { continue }
            if !sameNetwork {
                while let innermost = enclosing.last, innermost.end < row.network { enclosing.removeLast() }
                groupParent = enclosing.last?.row ?? -1
                enclosing.append((Int32(index), row.network | Self.hostMask(row.prefixLength)))
            }
            networks.append(row.network)
            prefixLengths.append(row.prefixLength)
            parents.append(groupParent)
            metadata.append(row.metadata)
        }
        (coverage, coverageShift) = Self.coverage(networks: networks, prefixLengths: prefixLengths, parents: parents)
        self.directory = BucketDirectory(sorted: networks)
        self.networks = networks
        self.prefixLengths = prefixLengths
        self.parents = parents
        self.metadata = metadata
        HugePages.advise(networks)
        HugePages.advise(metadata)
    }

    var count: Int { networks.count }

    var byteSize: Int {
        networks.capacity * MemoryLayout<Address>.stride + directory.byteSize + prefixLengths.capacity
            + parents.capacity * 4 + coverage.capacity * 8
            + metadata.capacity * MemoryLayout<EntryMetadata>.stride
    }

    /// Calls `body` for each listed network containing `address`, most specific first, with the rows
    /// (one per feed) that list it.
    func forEachNetwork(
        containing address: Address, _ body: (_ network: Address, _ prefixLength: UInt8, _ rows: Range<Int>) -> Void
    ) {
        guard !networks.isEmpty else { return }
        let coverageBit = Int(address.leadingBits >> coverageShift)
        guard coverage[coverageBit >> 6] & (1 << UInt64(coverageBit & 63)) != 0 else { return }
        let bucket = directory.bucket(of: address)
        let firstAfter = networks.withUnsafeBufferPointer { $0.upperBound(of: address, in: bucket) }
        guard firstAfter > 0 else { return }
        var group = firstAfter - 1
        while group > 0 && networks[group - 1] == networks[group] && prefixLengths[group - 1] == prefixLengths[group] {
            group -= 1
        }
        while group >= 0 {
            let network = networks[group]
            let prefixLength = prefixLengths[group]
            if address <= network | Self.hostMask(prefixLength) {
                var end = group + 1
                while end < networks.count && networks[end] == network && prefixLengths[end] == prefixLength {
                    end += 1
                }
                body(network, prefixLength, group..<end)
            }
            group = Int(parents[group])
        }
    }

    /// The coverage bitmap: 2^b bits (b ≈ log2(count) + 4, 8…20) over the addresses' leading bits, set
    /// from the outermost networks only (nested ones lie inside them; outermost ones are disjoint, so
    /// at most 2^b + count bits are set in all).
    private static func coverage(
        networks: [Address], prefixLengths: [UInt8], parents: [Int32]
    ) -> ([UInt64], UInt64) {
        guard !networks.isEmpty else { return ([], 64) }
        let bits = min(20, max(8, Int.bitWidth - 1 - networks.count.leadingZeroBitCount + 4))
        let shift = UInt64(64 - bits)
        var words = [UInt64](repeating: 0, count: (1 << bits) / 64)
        for row in networks.indices where parents[row] < 0 {
            let first = Int(networks[row].leadingBits >> shift)
            let last = Int((networks[row] | hostMask(prefixLengths[row])).leadingBits >> shift)
            for bit in first...last { words[bit >> 6] |= 1 << UInt64(bit & 63) }
        }
        return (words, shift)
    }

    @inline(__always)
    static func hostMask(_ prefixLength: UInt8) -> Address {
        Address.max >> prefixLength
    }
}
