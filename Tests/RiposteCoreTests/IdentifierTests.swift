// Identifier(parsing:): the checks that untrusted ids (paths, job payloads) go through.
import RiposteCore
import Testing

@Suite("Identifier parsing")
struct IdentifierTests {
    @Test("The prefix, a non-empty body, at most 64 bytes, URL-safe ASCII only")
    func bounds() {
        let body = String(repeating: "A", count: 64 - "alert_".utf8.count)
        #expect(AlertID(parsing: "alert_" + body)?.rawValue == "alert_" + body)
        #expect(AlertID(parsing: "alert_" + body + "A") == nil, "65 bytes")
        #expect(AlertID(parsing: "alert_") == nil)
        #expect(AlertID(parsing: "alert") == nil)
        #expect(AlertID(parsing: "inc_01J") == nil)
        #expect(AlertID(parsing: "alert_01J-x_Y9") != nil)
        for bad in ["alert_01/J", "alert_01 J", "alert_é", "alert_e\u{301}", "alert_01J\n", "alert_%2F"] {
            #expect(AlertID(parsing: bad) == nil, "\(bad.debugDescription)")
        }
        // 32 combining marks are one character but 64 bytes: too long for the body either way.
        #expect(AlertID(parsing: "alert_a" + String(repeating: "\u{301}", count: 32)) == nil)
        #expect(IncidentID(parsing: "x inc_01J".dropFirst(2))?.rawValue == "inc_01J", "a substring")
    }
}
