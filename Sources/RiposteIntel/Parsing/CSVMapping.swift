// Which CSV columns hold an indicator's value and facts, and how the file is laid out.
import RiposteCore

/// Maps a CSV list's columns to indicators. Only the value column is required (default: the first); a type column
/// constrains the detected type (`ip`, `domain`, `sha256`, … — see `IndicatorClassifier.types(named:)`).
package struct CSVMapping: Sendable, Hashable {
    /// A column by header name (matched ignoring case and surrounding blanks) or 0-based index.
    package enum Column: Sendable, Hashable {
        case name(String)
        case index(Int)

        /// A 0-based index when `text` is all digits, else a header name (as query parameters give it).
        package init(_ text: String) {
            if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let index = Int(text) {
                self = .index(index)
            } else {
                self = .name(text)
            }
        }
    }

    /// Where the header row is.
    package enum Header: Sendable, Hashable {
        /// No header; columns must be given by index.
        case absent
        /// The first row that is neither blank nor a comment.
        case firstRow
        /// A comment line whose fields include every named column (abuse.ch writes
        /// `# "first_seen_utc","dst_ip",…` or `# DstIP,DstPort`), else the first row.
        case commentOrFirstRow
    }

    package var valueColumn: Column
    package var typeColumn: Column?
    package var labelColumn: Column?
    /// Whole numbers 0–100.
    package var confidenceColumn: Column?
    /// `2024-04-04 07:03:03` (UTC), RFC 3339, `2024-04-04`, or Unix seconds or milliseconds.
    package var firstSeenColumn: Column?
    package var header: Header
    /// One ASCII character other than a quote or line break.
    package var delimiter: Unicode.Scalar
    /// Lines starting with it are comments; empty for none.
    package var commentPrefix: String

    package init(
        valueColumn: Column = .index(0), typeColumn: Column? = nil, labelColumn: Column? = nil,
        confidenceColumn: Column? = nil, firstSeenColumn: Column? = nil, header: Header = .firstRow,
        delimiter: Unicode.Scalar = ",", commentPrefix: String = "#"
    ) {
        self.valueColumn = valueColumn
        self.typeColumn = typeColumn
        self.labelColumn = labelColumn
        self.confidenceColumn = confidenceColumn
        self.firstSeenColumn = firstSeenColumn
        self.header = header
        self.delimiter = delimiter
        self.commentPrefix = commentPrefix
    }

    /// abuse.ch Feodo Tracker botnet C2 IP blocklist (`ipblocklist.csv`): IP, malware family as label,
    /// the feed's first-seen time.
    package static let feodoTracker = CSVMapping(
        valueColumn: .name("dst_ip"), labelColumn: .name("malware"), firstSeenColumn: .name("first_seen_utc"),
        header: .commentOrFirstRow)

    /// abuse.ch SSLBL IP blacklist (`sslipblacklist.csv`): header `# DstIP,DstPort`, the unnamed third
    /// column (`Dridex C&C`) as label.
    package static let sslbl = CSVMapping(
        valueColumn: .name("DstIP"), labelColumn: .index(2), header: .commentOrFirstRow)

    /// abuse.ch URLhaus (`csv_recent`, `csv_online`, full dump): header `# id,dateadded,url,url_status,last_online,
    /// threat,tags,urlhaus_link,reporter`; the URL, the threat (`malware_download`) as label, `dateadded` as first seen.
    package static let urlhaus = CSVMapping(
        valueColumn: .name("url"), labelColumn: .name("threat"), firstSeenColumn: .name("dateadded"),
        header: .commentOrFirstRow)

    /// abuse.ch ThreatFox (`export/csv/recent`, `…/full`): header `# "first_seen_utc","ioc_id","ioc_value","ioc_type",…`
    /// with `", "` between fields; `ioc_type` (`ip:port`, `domain`, `url`, `md5_hash`, `sha256_hash`, …) constrains
    /// the value, the malware's printable name is the label, `confidence_level` the confidence.
    package static let threatFox = CSVMapping(
        valueColumn: .name("ioc_value"), typeColumn: .name("ioc_type"), labelColumn: .name("malware_printable"),
        confidenceColumn: .name("confidence_level"), firstSeenColumn: .name("first_seen_utc"), header: .commentOrFirstRow)

    /// The mappings of well-known lists, by the name the API, the CLI and feed definitions use.
    package static let presets: [(name: String, mapping: CSVMapping)] = [
        ("feodotracker", .feodoTracker), ("sslbl", .sslbl), ("urlhaus", .urlhaus), ("threatfox", .threatFox),
    ]

    /// The preset called `name`. - Throws: `RiposteError(.invalid)` naming the known presets.
    package static func preset(named name: String) throws -> CSVMapping {
        guard let preset = presets.first(where: { $0.name == name }) else {
            throw RiposteError.invalid(
                "unknown CSV preset '\(name)'; known: \(presets.map(\.name).joined(separator: ", "))")
        }
        return preset.mapping
    }

    /// The preset called `text`, else a value column named by `text` (a header name or 0-based index).
    package static func presetOrColumn(_ text: String) -> CSVMapping {
        presets.first { $0.name == text }?.mapping ?? CSVMapping(valueColumn: Column(text), header: .commentOrFirstRow)
    }

    var namedColumns: [String] {
        [valueColumn, typeColumn, labelColumn, confidenceColumn, firstSeenColumn].compactMap {
            if case .name(let name) = $0 { name } else { nil }
        }
    }
}
