// EventTime: RFC 3339 and Suricata timestamps to millisecond dates, and what it rejects.
import FoundationEssentials
import RiposteIngest
import Testing

@Suite("EventTime")
struct EventTimeTests {
    func milliseconds(_ text: String) -> Int64? {
        EventTime.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    @Test(
        "Suricata and RFC 3339 timestamps parse to the right millisecond",
        arguments: [
            ("2016-01-04T16:26:38.877110+0000", 1_451_924_798_877),
            ("2015-03-29T11:01:38.221126-0600", 1_427_648_498_221),
            ("2019-01-02T03:50:11.315110", 1_546_401_011_315),
            ("2026-01-04T16:26:38Z", 1_767_543_998_000),
            ("2026-01-04T17:26:38.5+01:00", 1_767_543_998_500),
            ("2026-01-04T17:26:38.5+01", 1_767_543_998_500),
            ("2026-01-04t16:26:38.123456789z", 1_767_543_998_123),
            ("2026-01-04 16:26:38.12Z", 1_767_543_998_120),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
            ("1969-12-31T23:59:59.500Z", -500),
            ("1970-01-01T00:00:00Z", 0),
        ] as [(String, Int64)]
    )
    func parses(_ text: String, _ expected: Int64) {
        #expect(milliseconds(text) == expected)
    }

    @Test("Parsed dates are whole milliseconds, built as WallClock builds them")
    func millisecondDates() throws {
        let date = try #require(EventTime.parse("2016-01-04T16:26:38.877110+0000"))
        #expect(date == EventTime.date(unixMilliseconds: 1_451_924_798_877))
        #expect(date == Date(timeIntervalSince1970: 1_451_924_798_877 / 1000))
    }

    @Test(
        "Malformed or impossible timestamps are rejected",
        arguments: [
            "", "x", "2016-01-04", "2016-01-04T16:26", "2016-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
            "2016-13-01T00:00:00Z", "2016-00-01T00:00:00Z", "2016-01-04T24:00:00Z", "2016-01-04T16:60:00Z",
            "2016-01-04T16:26:38.Z", "2016-01-04T16:26:38+2400", "2016-01-04T16:26:38+01:7", "2016-01-04T16:26:38+0",
            "2016-01-04T16:26:38Z junk", "2016-01-04X16:26:38Z", "16-01-04T16:26:38Z", "2016-01-04T16:26:38.877+00:00:00",
        ]
    )
    func rejects(_ text: String) {
        #expect(EventTime.parse(text) == nil)
    }
}
