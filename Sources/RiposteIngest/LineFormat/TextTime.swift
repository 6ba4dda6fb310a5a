// Byte-level parsing of the timestamps line formats carry: epoch numbers, `Mmm dd [yyyy] hh:mm:ss`, Java patterns.
import FoundationEssentials

/// The outcome of reading a timestamp.
enum TimeParse: Equatable {
    /// A valid time.
    case time(Date)
    /// A valid timestamp without a year (`Sep 10 23:54:51`) and no year was supplied.
    case needsYear
    /// Not a timestamp this parser understands.
    case invalid
}

/// Timestamp readers shared by the syslog, CEF and LEEF parsers. All work on UTF-8 bytes, without Foundation
/// formatters; a missing zone means UTC.
enum TextTime {
    /// A date from civil fields and a zone offset; nil when a field is out of range.
    static func date(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int = 0, offset: Int = 0
    ) -> Date? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            (0..<24).contains(hour), (0..<60).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return EventTime.date(unixMilliseconds: Int64(seconds) * 1000 + Int64(millisecond))
    }

    /// Unix time as digits: up to 11 digits are seconds, 12 to 18 milliseconds (ArcSight's `rt`).
    static func epoch(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Date? {
        guard let value = Bytes.integer(bytes, range) else { return nil }
        return EventTime.date(unixMilliseconds: Int64(range.count <= 11 ? value * 1000 : value))
    }

    /// Parses `bytes[range]` in any of the forms CEF and LEEF senders use: Unix seconds or milliseconds,
    /// RFC 3339, or `MMM dd [yyyy] HH:mm:ss[.SSS][ zone]` (ArcSight's formats; the year from `year` when absent).
    static func parseAny(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, year: Int?) -> TimeParse {
        var range = range
        while let last = range.last, bytes[last] == Bytes.space { range = range.dropLast() }
        while let first = range.first, bytes[first] == Bytes.space { range = range.dropFirst() }
        guard let first = range.first else { return .invalid }
        if let date = epoch(bytes, range) { return .time(date) }
        if bytes[first] &- 0x30 < 10 {
            guard range.count <= 64, let date = EventTime.parse(Bytes.string(bytes, range)) else { return .invalid }
            return .time(date)
        }
        let (result, end) = parseMonthDay(bytes, from: range.lowerBound, to: range.upperBound, year: year, zone: true)
        return end == range.upperBound ? result : .invalid
    }

    /// Reads `Mmm dd [yyyy ]hh:mm:ss[.fff]` (one or more spaces between parts, day of one or two digits) and,
    /// when `zone` is set, a trailing ` zone`. Returns the result and where it stopped.
    static func parseMonthDay(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, year: Int?, zone: Bool
    ) -> (TimeParse, Int) {
        var index = start
        func digits(max: Int) -> Int? {
            var value = 0
            var count = 0
            while index < end, count < max, bytes[index] &- 0x30 < 10 {
                value = value * 10 + Int(bytes[index] &- 0x30)
                index += 1
                count += 1
            }
            return count > 0 ? value : nil
        }
        func skipSpaces() -> Bool {
            let before = index
            while index < end, bytes[index] == Bytes.space { index += 1 }
            return index > before
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < end, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard end - start >= 3, let month = month(bytes, start..<(start + 3)) else { return (.invalid, start) }
        index = start + 3
        guard skipSpaces(), let day = digits(max: 2), skipSpaces() else { return (.invalid, start) }
        var explicitYear: Int?
        let afterDay = index
        if let number = digits(max: 4), index - afterDay == 4, index < end, bytes[index] == Bytes.space {
            explicitYear = number
            _ = skipSpaces()
        } else {
            index = afterDay
        }
        guard let hour = digits(max: 2), expect(0x3A), let minute = digits(max: 2), expect(0x3A),
            let second = digits(max: 2)
        else { return (.invalid, start) }
        var millisecond = 0
        if index + 1 < end, bytes[index] == UInt8(ascii: "."), bytes[index + 1] &- 0x30 < 10 {
            index += 1
            millisecond = fraction(bytes, &index, end)
        }
        var offset = 0
        if zone, index < end {
            let zoneStart = index
            guard skipSpaces(), let parsed = zoneOffset(bytes, index..<end) else { return (.invalid, zoneStart) }
            offset = parsed
            index = end
        }
        guard let resolvedYear = explicitYear ?? year else {
            let valid = date(year: 2000, month: month, day: day, hour: hour, minute: minute, second: second) != nil
            return (valid ? .needsYear : .invalid, index)
        }
        guard
            let date = date(
                year: resolvedYear, month: month, day: day, hour: hour, minute: minute, second: second,
                millisecond: millisecond, offset: offset)
        else { return (.invalid, start) }
        return (.time(date), index)
    }

    /// Reads fraction digits at `index` as milliseconds (any number of digits, truncated).
    static func fraction(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ end: Int) -> Int {
        var value = 0
        var count = 0
        while index < end, bytes[index] &- 0x30 < 10 {
            if count < 3 { value = value * 10 + Int(bytes[index] &- 0x30) }
            count += 1
            index += 1
        }
        while count < 3 {
            value *= 10
            count += 1
        }
        return value
    }

    /// The month (1–12) of an English month abbreviation (`Sep`, any case), or nil.
    static func month(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard range.count == 3 else { return nil }
        let key =
            (UInt32(bytes[range.lowerBound] | 0x20) << 16) | (UInt32(bytes[range.lowerBound + 1] | 0x20) << 8)
            | UInt32(bytes[range.lowerBound + 2] | 0x20)
        return monthKeys.firstIndex(of: key).map { $0 + 1 }
    }

    private static let monthKeys: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .map { name in name.utf8.reduce(0) { ($0 << 8) | UInt32($1) } }

    /// The offset in seconds east of UTC of a zone: `Z`, `UTC`, `GMT`, `UT`, `±hh`, `±hhmm`, `±hh:mm`, those
    /// after `GMT`/`UTC` (`GMT+08:00`), or a North American or central European abbreviation (as Java reads them).
    static func zoneOffset(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 12 else { return nil }
        var index = range.lowerBound
        var letters = 0
        while index < range.upperBound, (bytes[index] | 0x20) &- 0x61 < 26 {
            index += 1
            letters += 1
        }
        let name = Bytes.string(bytes, range.lowerBound..<index).uppercased()
        var base = 0
        switch name {
        case "", "GMT", "UTC", "UT": base = 0
        case "Z": return index == range.upperBound ? 0 : nil
        default:
            guard index == range.upperBound, let hours = namedZones[name] else { return nil }
            return hours * 3600
        }
        guard index < range.upperBound else { return letters > 0 ? base : nil }
        let sign = bytes[index]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        index += 1
        let digitsStart = index
        var hours = 0
        while index < range.upperBound, index - digitsStart < 2, bytes[index] &- 0x30 < 10 {
            hours = hours * 10 + Int(bytes[index] &- 0x30)
            index += 1
        }
        guard index > digitsStart else { return nil }
        var minutes = 0
        if index < range.upperBound {
            if bytes[index] == 0x3A { index += 1 }
            guard let value = Bytes.integer(bytes, index..<range.upperBound), range.upperBound - index == 2 else { return nil }
            minutes = value
        }
        guard hours <= 18, minutes < 60 else { return nil }
        base = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        return base
    }

    private static let namedZones: [String: Int] = [
        "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
        "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1,
    ]

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// A compiled subset of Java's `SimpleDateFormat` patterns, as LEEF's `devTimeFormat` uses them
/// (`MMM dd yyyy HH:mm:ss.SSS zzz`, `yyyy-MM-dd'T'HH:mm:ss.SSSZ`).
///
/// Supported letters: `y` (year; `yy` is 2000–2099), `M` (number, or `MMM`+ name), `d`, `H`, `k`, `h`/`K` with `a`,
/// `m`, `s`, `S` (fraction), `E` (day name, skipped), `z`/`Z`/`X` (zone); `'quoted'` text and other
/// characters match literally. A pattern with any other letter is rejected when compiled.
struct JavaDateFormat {
    enum Token: Equatable {
        case year(Int), monthNumber, monthName, day, hour24, hour12, amPm, minute, second, fraction, dayName, zone
        case literal([UInt8])

        var isNumeric: Bool {
            switch self {
            case .year, .monthNumber, .day, .hour24, .hour12, .minute, .second, .fraction: true
            default: false
            }
        }
    }

    let tokens: [Token]

    /// Compiles `pattern`; nil when it uses letters outside the supported subset or is longer than 64 bytes.
    init?(_ pattern: String) {
        let bytes = Array(pattern.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "'") {
                var literal: [UInt8] = []
                index += 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "'") {
                        if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") {
                            literal.append(bytes[index])
                            index += 2
                            continue
                        }
                        break
                    }
                    literal.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { return nil }
                index += 1
                tokens.append(.literal(literal.isEmpty ? [UInt8(ascii: "'")] : literal))
                continue
            }
            guard (byte | 0x20) &- 0x61 < 26 else {
                tokens.append(.literal([byte]))
                index += 1
                continue
            }
            var count = 1
            while index + count < bytes.count, bytes[index + count] == byte { count += 1 }
            index += count
            switch byte {
            case UInt8(ascii: "y"): tokens.append(.year(count))
            case UInt8(ascii: "M"): tokens.append(count >= 3 ? .monthName : .monthNumber)
            case UInt8(ascii: "d"): tokens.append(.day)
            case UInt8(ascii: "H"), UInt8(ascii: "k"): tokens.append(.hour24)
            case UInt8(ascii: "h"), UInt8(ascii: "K"): tokens.append(.hour12)
            case UInt8(ascii: "a"): tokens.append(.amPm)
            case UInt8(ascii: "m"): tokens.append(.minute)
            case UInt8(ascii: "s"): tokens.append(.second)
            case UInt8(ascii: "S"): tokens.append(.fraction)
            case UInt8(ascii: "E"): tokens.append(.dayName)
            case UInt8(ascii: "z"), UInt8(ascii: "Z"), UInt8(ascii: "X"): tokens.append(.zone)
            default: return nil
            }
        }
        self.tokens = tokens
    }

    /// Parses `bytes[range]` with the pattern; `year` fills in a pattern without `y`.
    func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, year: Int?) -> TimeParse {
        var index = range.lowerBound
        let end = range.upperBound
        var fields = (year: Int?.none, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0, offset: 0)
        var pm: Bool?
        for (position, token) in tokens.enumerated() {
            let adjacent = position + 1 < tokens.count && tokens[position + 1].isNumeric
            func number(width: Int, exact: Bool) -> Int? {
                let start = index
                var value = 0
                while index < end, index - start < width, bytes[index] &- 0x30 < 10 {
                    value = value * 10 + Int(bytes[index] &- 0x30)
                    index += 1
                }
                let count = index - start
                return count > 0 && (!exact || count == width) ? value : nil
            }
            switch token {
            case .year(let count):
                guard let value = number(width: count == 2 ? 2 : 4, exact: adjacent || count == 2) else { return .invalid }
                fields.year = count == 2 ? 2000 + value : value
            case .monthNumber:
                guard let value = number(width: 2, exact: adjacent) else { return .invalid }
                fields.month = value
            case .monthName:
                guard end - index >= 3, let value = TextTime.month(bytes, index..<(index + 3)) else { return .invalid }
                index += 3
                while index < end, (bytes[index] | 0x20) &- 0x61 < 26 { index += 1 }
                fields.month = value
            case .day, .hour24, .hour12, .minute, .second:
                guard let value = number(width: 2, exact: adjacent) else { return .invalid }
                switch token {
                case .day: fields.day = value
                case .minute: fields.minute = value
                case .second: fields.second = value
                default: fields.hour = value
                }
            case .fraction:
                guard index < end, bytes[index] &- 0x30 < 10 else { return .invalid }
                fields.millisecond = TextTime.fraction(bytes, &index, end)
            case .amPm:
                guard end - index >= 2 else { return .invalid }
                switch bytes[index] | 0x20 {
                case UInt8(ascii: "a"): pm = false
                case UInt8(ascii: "p"): pm = true
                default: return .invalid
                }
                guard bytes[index + 1] | 0x20 == UInt8(ascii: "m") else { return .invalid }
                index += 2
            case .dayName:
                let start = index
                while index < end, (bytes[index] | 0x20) &- 0x61 < 26 { index += 1 }
                guard index > start else { return .invalid }
            case .zone:
                let start = index
                while index < end, bytes[index] != Bytes.space, bytes[index] != UInt8(ascii: ")") { index += 1 }
                guard let offset = TextTime.zoneOffset(bytes, start..<index) else { return .invalid }
                fields.offset = offset
            case .literal(let literal):
                for byte in literal {
                    guard index < end, bytes[index] == byte else { return .invalid }
                    index += 1
                }
            }
        }
        guard index == end else { return .invalid }
        if let pm {
            guard (1...12).contains(fields.hour) else { return .invalid }
            fields.hour = fields.hour % 12 + (pm ? 12 : 0)
        }
        guard let resolvedYear = fields.year ?? year else { return .needsYear }
        guard
            let date = TextTime.date(
                year: resolvedYear, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute,
                second: fields.second, millisecond: fields.millisecond, offset: fields.offset)
        else { return .invalid }
        return .time(date)
    }
}

/// The Java date patterns a body's lines use (LEEF `devTimeFormat`), each compiled once: compiling cost more than
/// parsing the time, and a sender keeps to one or a few formats. Up to ``capacity`` are kept, the oldest replaced.
struct JavaDateFormatCache {
    static let capacity = 8
    private var patterns: [[UInt8]] = []
    private var formats: [JavaDateFormat] = []
    /// The entry the next new pattern replaces once the cache is full.
    private var oldest = 0

    /// The compiled pattern `bytes[range]`; nil when ``JavaDateFormat`` rejects it (rejections are not kept).
    mutating func format(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> JavaDateFormat? {
        for entry in patterns.indices where patterns[entry].count == range.count {
            let equal = patterns[entry].withUnsafeBufferPointer {
                memoryEqual($0, 0, bytes, range.lowerBound, count: range.count)
            }
            if equal { return formats[entry] }
        }
        guard let format = JavaDateFormat(Bytes.string(bytes, range)) else { return nil }
        let pattern = Array(UnsafeBufferPointer(rebasing: bytes[range]))
        if patterns.count < Self.capacity {
            patterns.append(pattern)
            formats.append(format)
        } else {
            patterns[oldest] = pattern
            formats[oldest] = format
            oldest = (oldest + 1) % Self.capacity
        }
        return format
    }
}
