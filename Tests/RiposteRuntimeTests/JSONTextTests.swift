// JSONText.quote: the fast path for text without escapes and the escaping path agree with JSON.
import Foundation
import RiposteRuntime
import Testing

@Suite("JSONText")
struct JSONTextTests {
    @Test(
        "quote escapes what JSON requires and keeps everything else",
        arguments: [
            ("alert_01JABC", #""alert_01JABC""#),
            ("", #""""#),
            ("a\"b\\c", #""a\"b\\c""#),
            ("line\nfeed\r\ttab", #""line\nfeed\r\ttab""#),
            ("\u{01}\u{1F}", #""\u0001\u001f""#),
            ("price €5 ünïcode 🙂", "\"price €5 ünïcode 🙂\""),
            ("sep\u{2028}para\u{2029}", #""sep\u2028para\u2029""#),
        ])
    func quote(text: String, expected: String) throws {
        let quoted = JSONText.quote(text)
        #expect(quoted == expected)
        let decoded = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded == text, "the quoted text decodes back to the original")
    }
}
