// Raw alert payloads, compressed per ingest call: the records back to back in one zstd frame.
// Batches of similar records compress several times better together than one by one, and the
// alert rows stay small, which is most of what the ingest transaction writes.
import CZstd
import RiposteCore

/// The raw records of one ingest call, concatenated and compressed.
struct AlertPayloadBlock {
    /// zstd level 1: the fastest, and on alert JSON within a few percent of level 3's size.
    static let compressionLevel: Int32 = 1

    /// The zstd frame.
    let data: [UInt8]
    /// The uncompressed size.
    let size: Int
    /// Where each record lies in the uncompressed bytes, in input order.
    let ranges: [Range<Int>]

    /// Compresses `records`. Runs on the caller's thread, so the writer thread only stores the frame.
    init(records: [[UInt8]]) throws {
        var joined: [UInt8] = []
        joined.reserveCapacity(records.reduce(0) { $0 + $1.count })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(records.count)
        for record in records {
            ranges.append(joined.count..<joined.count + record.count)
            joined.append(contentsOf: record)
        }
        let bound = ZSTD_compressBound(joined.count)
        var frame = [UInt8](repeating: 0, count: bound)
        let written = frame.withUnsafeMutableBytes { output in
            joined.withUnsafeBytes { input in
                ZSTD_compress(output.baseAddress, bound, input.baseAddress, input.count, Self.compressionLevel)
            }
        }
        guard ZSTD_isError(written) == 0 else {
            throw RiposteError(.internal, "compressing alert payloads failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        frame.removeLast(bound - written)
        data = frame
        size = joined.count
        self.ranges = ranges
    }

    /// The uncompressed bytes of a stored frame. - Throws: `CorruptRowError` when the frame does not
    /// decompress to exactly `size` bytes.
    static func decompress(_ frame: [UInt8], size: Int, id: Int64) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBytes { output in
            frame.withUnsafeBytes { input in
                ZSTD_decompress(output.baseAddress, size, input.baseAddress, input.count)
            }
        }
        guard ZSTD_isError(written) == 0, written == size else {
            throw CorruptRowError(table: "alert_payloads", column: "data", value: "payload \(id)")
        }
        return output
    }
}

/// Reads raw records for the alerts of one query, decompressing each payload once.
struct AlertPayloadReader {
    let connection: SQLiteConnection
    private var payloads: [Int64: [UInt8]] = [:]

    init(connection: SQLiteConnection) { self.connection = connection }

    /// The bytes `[offset, offset + length)` of payload `id`.
    mutating func record(payload id: Int64, offset: Int, length: Int) throws -> [UInt8] {
        if payloads[id] == nil {
            guard
                let (frame, size) = try connection.queryOne(
                    "SELECT data, size FROM alert_payloads WHERE id = ? AND codec = 'zstd'", [.integer(id)],
                    { ($0.blob(0), $0.int(1)) })
            else { throw CorruptRowError(table: "alerts", column: "payload_id", value: "\(id)") }
            payloads[id] = try AlertPayloadBlock.decompress(frame, size: size, id: id)
        }
        guard let bytes = payloads[id], offset >= 0, length >= 0, offset + length <= bytes.count else {
            throw CorruptRowError(table: "alerts", column: "payload_offset", value: "\(offset)+\(length) in \(id)")
        }
        return Array(bytes[offset..<offset + length])
    }
}
