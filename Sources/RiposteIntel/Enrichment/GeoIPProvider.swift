// GeoIP and ASN from MaxMind DB files (GeoIP2/GeoLite2 City or Country, and ASN) through libmaxminddb.
import CMaxMindDB
import Glibc
package import RiposteCore

/// One open MMDB file, memory-mapped. libmaxminddb allows concurrent lookups on one `MMDB_s` once it
/// is open and never changes it afterwards; the handle is freed in `deinit`.
package final class MaxMindDatabase: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MMDB_s>
    package let path: String

    /// Opens `path`. - Throws: `.invalid` naming the file and libmaxminddb's reason.
    package init(path: String) throws {
        handle = .allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            handle.deallocate()
            throw RiposteError.invalid("cannot open MaxMind database \(path): \(String(cString: MMDB_strerror(status)))")
        }
        self.path = path
    }

    deinit {
        MMDB_close(handle)
        handle.deallocate()
    }

    /// The database type from its metadata (`GeoIP2-City`, `GeoLite2-ASN`).
    package var databaseType: String { String(cString: handle.pointee.metadata.database_type) }

    /// A scalar read from a record.
    package enum Value: Sendable, Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
    }

    /// Looks `address` up and reads each path (`["country", "iso_code"]`) from its record; nil when
    /// the address is in no network of the file. Paths with no value are absent from the result.
    /// - Throws: `.invalid` for text that is not an address; `.unavailable` for a corrupt file.
    package func lookup(_ address: String, paths: [[String]]) throws -> [[String]: Value]? {
        var gaiError: Int32 = 0
        var mmdbError: Int32 = 0
        var result = MMDB_lookup_string(handle, address, &gaiError, &mmdbError)
        guard gaiError == 0 else { throw RiposteError.invalid("'\(address)' is not an IP address") }
        guard mmdbError == MMDB_SUCCESS else {
            throw RiposteError(.unavailable, "MaxMind lookup failed in \(path): \(String(cString: MMDB_strerror(mmdbError)))")
        }
        guard result.found_entry else { return nil }
        var values: [[String]: Value] = [:]
        for path in paths {
            if let value = try Self.value(&result.entry, path: path) { values[path] = value }
        }
        return values
    }

    private static func value(_ entry: inout MMDB_entry_s, path: [String]) throws -> Value? {
        // MMDB_aget_value takes a NULL-terminated array of C strings.
        let strings = path.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = strings.map { $0.map { UnsafePointer<CChar>($0) } } + [nil]
        var data = MMDB_entry_data_s()
        let status = pointers.withUnsafeMutableBufferPointer { MMDB_aget_value(&entry, &data, $0.baseAddress) }
        if status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || status == MMDB_INVALID_LOOKUP_PATH_ERROR { return nil }
        guard status == MMDB_SUCCESS else {
            throw RiposteError(.unavailable, "MaxMind record read failed: \(String(cString: MMDB_strerror(status)))")
        }
        guard data.has_data else { return nil }
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_UTF8_STRING:
            guard let bytes = data.utf8_string else { return nil }
            let buffer = UnsafeRawBufferPointer(start: bytes, count: Int(data.data_size))
            return .string(String(decoding: buffer, as: UTF8.self))
        case MMDB_DATA_TYPE_DOUBLE: return .number(data.double_value)
        case MMDB_DATA_TYPE_FLOAT: return .number(Double(data.float_value))
        case MMDB_DATA_TYPE_UINT16: return .number(Double(data.uint16))
        case MMDB_DATA_TYPE_UINT32: return .number(Double(data.uint32))
        case MMDB_DATA_TYPE_INT32: return .number(Double(data.int32))
        case MMDB_DATA_TYPE_UINT64: return .number(Double(data.uint64))
        case MMDB_DATA_TYPE_BOOLEAN: return .bool(data.boolean)
        default: return nil
        }
    }
}

/// Country, city and location from a City (or Country) database and the autonomous system from an
/// ASN database; either may be absent. Local files: nothing leaves the host.
package struct GeoIPProvider: EnrichmentProvider {
    package let name = "geoip"
    package let supportedTypes: Set<ObservableType> = [.ipv4, .ipv6]
    package let sendsDataOutside = false
    package let city: MaxMindDatabase?
    package let asn: MaxMindDatabase?

    package init(city: MaxMindDatabase?, asn: MaxMindDatabase?) {
        self.city = city
        self.asn = asn
    }

    private static let cityFields: [(String, [String])] = [
        ("country", ["country", "iso_code"]), ("country_name", ["country", "names", "en"]),
        ("continent", ["continent", "code"]), ("subdivision", ["subdivisions", "0", "iso_code"]),
        ("city", ["city", "names", "en"]), ("latitude", ["location", "latitude"]),
        ("longitude", ["location", "longitude"]), ("accuracy_radius_km", ["location", "accuracy_radius"]),
        ("time_zone", ["location", "time_zone"]),
    ]
    private static let asnFields: [(String, [String])] = [
        ("asn", ["autonomous_system_number"]), ("as_organization", ["autonomous_system_organization"]),
    ]

    package func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer {
        guard key.type == .ipv4 || key.type == .ipv6 else { return .notFound }
        var members: [(String, JSONValue)] = []
        for (database, fields) in [(city, Self.cityFields), (asn, Self.asnFields)] {
            guard let database, let values = try database.lookup(key.value, paths: fields.map(\.1)) else { continue }
            for (field, path) in fields {
                switch values[path] {
                case .string(let text)?: members.append((field, .string(text)))
                case .number(let number)?: members.append((field, .number(number)))
                case .bool(let flag)?: members.append((field, .bool(flag)))
                case nil: break
                }
            }
        }
        return members.isEmpty ? .notFound : EnrichmentAnswer(status: .found, summary: .object(members))
    }
}
