// Syslog: the RFC 5424 and RFC 3164 examples, tolerated deviations, errors, and the RFC 6587 framer.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@testable import RiposteIngest

@Suite("Syslog messages")
struct SyslogMessageTests {
    let bom = "\u{FEFF}"

    @Test("RFC 5424 example 1: no structured data, BOM before MSG")
    func rfc5424Example1() throws {
        let text =
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \(bom)'su root' failed for lonvick on /dev/pts/8"
        let message = try SyslogMessage.parse(Array(text.utf8))
        #expect(
            message
                == SyslogMessage(
                    format: .rfc5424, facility: 4, severity: 2, version: 1,
                    timestamp: EventTime.parse("2003-10-11T22:14:15.003Z"),
                    hostname: "mymachine.example.com", appName: "su", procID: nil, msgID: "ID47",
                    message: Array("'su root' failed for lonvick on /dev/pts/8".utf8), hasBOM: true))
    }

    @Test("RFC 5424 example 2: microseconds and an offset, no BOM")
    func rfc5424Example2() throws {
        let text = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts."
        let message = try SyslogMessage.parse(Array(text.utf8))
        #expect(message.facility == 20)
        #expect(message.severity == 5)
        #expect(message.timestamp == EventTime.parse("2003-08-24T12:14:15.000Z"))
        #expect(message.hostname == "192.0.2.1")
        #expect(message.appName == "myproc")
        #expect(message.procID == "8710")
        #expect(message.msgID == nil)
        #expect(message.structuredData.isEmpty)
        #expect(message.messageText == "%% It's time to make the do-nuts.")
        #expect(!message.hasBOM)
    }

    @Test("RFC 5424 examples 3 and 4: structured data elements, with and without MSG")
    func rfc5424StructuredData() throws {
        let sd = #"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]"#
        let element = SyslogStructuredElement(
            id: "exampleSDID@32473",
            parameters: [EventField("iut", "3"), EventField("eventSource", "Application"), EventField("eventID", "1011")])
        let withMessage = try SyslogMessage.parse(
            Array(
                "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 \(sd) \(bom)An application event log entry..."
                    .utf8))
        #expect(withMessage.structuredData == [element])
        #expect(withMessage.messageText == "An application event log entry...")
        #expect(withMessage.hasBOM)
        let twoElements = try SyslogMessage.parse(
            Array(
                #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 \#(sd)[examplePriority@32473 class="high"]"#
                    .utf8))
        #expect(
            twoElements.structuredData == [
                element, SyslogStructuredElement(id: "examplePriority@32473", parameters: [EventField("class", "high")]),
            ])
        #expect(twoElements.message.isEmpty)
    }

    @Test("Structured data values unescape quote, backslash and bracket; other backslashes stay")
    func structuredDataEscapes() throws {
        let text = #"<13>1 - host app 12 - [a@1 v="q\"b\\c\]d\x" w=""] m"#
        let message = try SyslogMessage.parse(Array(text.utf8))
        #expect(message.timestamp == nil)
        #expect(message.structuredData.first?.parameters == [EventField("v", #"q"b\c]d\x"#), EventField("w", "")])
        #expect(message.messageText == "m")
    }

    @Test("RFC 3164 examples: hostname, tag, and a message without a tag")
    func rfc3164Examples() throws {
        let first = try SyslogMessage.parse(
            Array("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8".utf8), year: 2003)
        #expect(
            first
                == SyslogMessage(
                    format: .rfc3164, facility: 4, severity: 2, timestamp: EventTime.parse("2003-10-11T22:14:15Z"),
                    hostname: "mymachine", appName: "su", message: Array("'su root' failed for lonvick on /dev/pts/8".utf8)))
        let second = try SyslogMessage.parse(Array("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!".utf8), year: 2024)
        #expect(second.hostname == "10.0.0.99")
        #expect(second.appName == nil)
        #expect(second.timestamp == EventTime.parse("2024-02-05T17:32:18Z"))
        #expect(second.messageText == "Use the BFG!")
        // RFC 3164 section 5.4: no valid TIMESTAMP, so everything after PRI is MSG.
        let third = try SyslogMessage.parse(
            Array("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!".utf8))
        #expect(third.facility == 0)
        #expect(third.timestamp == nil)
        #expect(third.hostname == nil)
        #expect(third.messageText == "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!")
    }

    @Test("RFC 3164 deviations: no PRI, ISO timestamp, year in the timestamp, no hostname, no year given")
    func rfc3164Deviations() throws {
        let noPRI = try SyslogMessage.parse(Array("Oct 11 22:14:15 mymachine sshd[4242]: Accepted password".utf8), year: 2020)
        #expect(noPRI.facility == nil)
        #expect(noPRI.hostname == "mymachine")
        #expect(noPRI.appName == "sshd")
        #expect(noPRI.procID == "4242")
        #expect(noPRI.messageText == "Accepted password")
        let iso = try SyslogMessage.parse(Array("<13>2024-01-18T11:07:53.520+01:00 fw01 kernel: drop".utf8))
        #expect(iso.format == .rfc3164)
        #expect(iso.timestamp == EventTime.parse("2024-01-18T10:07:53.520Z"))
        #expect(iso.hostname == "fw01")
        #expect(iso.appName == "kernel")
        let withYear = try SyslogMessage.parse(Array("<13>Jan 18 2019 11:07:53 host app: x".utf8))
        #expect(withYear.timestamp == EventTime.parse("2019-01-18T11:07:53Z"))
        let noHost = try SyslogMessage.parse(Array("<34>Oct 11 22:14:15 su[7]: hi".utf8), year: 2003)
        #expect(noHost.hostname == nil)
        #expect(noHost.appName == "su")
        #expect(noHost.messageText == "hi")
        let noYear = try SyslogMessage.parse(Array("<34>Oct 11 22:14:15 host su: hi".utf8))
        #expect(noYear.timestamp == nil)
        #expect(noYear.hostname == "host")
    }

    @Test("Malformed messages fail with the byte where they break")
    func errors() throws {
        let cases: [(String, String)] = [
            ("<192>1 - - - - - -", "syslog message: PRI 192 is not 0-191 without leading zeros at byte 1"),
            ("<12 Oct", "syslog message: PRI must be '<' 1 to 3 digits '>' at byte 0"),
            ("<13>1 yesterday host app - - -", "syslog message: TIMESTAMP 'yesterday' is not an RFC 3339 time at byte 6"),
            ("<13>1 - host app - -", "syslog message: message ends after MSGID at byte 20"),
            ("<13>1 - host app - - x", "syslog message: STRUCTURED-DATA must be '-' or start with '[' at byte 21"),
            (#"<13>1 - host app - - [id a="b"#, "syslog message: PARAM-VALUE is not closed with '\"' at byte 28"),
            (
                #"<13>1 - host app - - [id a="b"]x"#,
                "syslog message: expected a space before MSG after STRUCTURED-DATA at byte 31"
            ),
            (#"<13>1 - host app - - [id a=b]"#, "syslog message: expected '=\"' after PARAM-NAME 'a' at byte 26"),
        ]
        for (text, message) in cases {
            let error = #expect(throws: RiposteError.self) { try SyslogMessage.parse(Array(text.utf8)) }
            #expect(error?.message == message, "\(text)")
        }
        var invalidAfterBOM = Array("<13>1 - h a - - - \u{FEFF}ok".utf8)
        invalidAfterBOM.append(0xC0)
        let error = #expect(throws: RiposteError.self) { try SyslogMessage.parse(invalidAfterBOM) }
        #expect(error?.message == "syslog message: MSG after a BOM is not valid UTF-8 at byte 23")
    }
}

@Suite("Syslog alert titles")
struct SyslogTitleTests {
    /// The title as the parser first made it, by characters: the reference the byte-counting ASCII path must match.
    static func characterTitle(_ message: [UInt8], appName: String?) -> String {
        let text = String(decoding: message, as: UTF8.self).trimmingWhitespace()
        var title = text.isEmpty ? "(empty message)" : String(text.prefix(256))
        if let appName, !appName.isEmpty { title = appName + " " + title }
        return title
    }

    @Test("Titles cut at 256 characters whether the message is ASCII or not, CR LF and combining marks at the cut")
    func titles() {
        let ascii = String(repeating: "abcdefgh", count: 40)
        func head(_ count: Int) -> String { String(ascii.prefix(count)) }
        let plain: [String] = ["", " \t\r\n ", "short", "  padded message \r\n", "tab\tinside"]
        let long: [String] = [head(255), head(256), head(257), ascii, "  " + ascii + "  ", "é" + ascii, "\u{FEFF}" + ascii]
        let atCut: [String] = [
            head(255) + "\r\nrest", head(254) + "\r\nrest", head(256) + "\u{301}rest", head(255) + "e\u{301}", head(256) + "\r\n",
            head(250) + "🇫🇷🇩🇪 flags", "line\rwith lone CR " + ascii,
        ]
        // Invalid UTF-8 (a lead byte before a space, a stray continuation byte) is replaced, never merged with the ASCII.
        let invalid: [[UInt8]] = [[0xC3, 0x20] + Array(ascii.utf8), Array(head(255).utf8) + [0x80, 0x41], [0xFF]]
        let messages = (plain + long + atCut).map { Array($0.utf8) } + invalid
        for message in messages {
            for appName in [nil, "", "sshd"] {
                let title = SyslogAlertParser.title(message, appName: appName)
                #expect(title == Self.characterTitle(message, appName: appName), "\(message) \(appName ?? "nil")")
            }
        }
    }
}

@Suite("Syslog framing")
struct SyslogFramingTests {
    /// A stream mixing octet counting (with an LF inside a message) and LF, CRLF and NUL framing.
    let stream = Array(
        "29 <34>1 - h a - - - line1\nline2<13>Oct 11 22:14:15 h a: lf\r\n\n<13>nul\u{0}9 <13>1 - -2024-01-01 no prefix\n".utf8)
    let expected: [SyslogFraming.Frame] = [
        .message(Array("<34>1 - h a - - - line1\nline2".utf8), .octetCounting),
        .message(Array("<13>Oct 11 22:14:15 h a: lf".utf8), .nonTransparent),
        .message(Array("<13>nul".utf8), .nonTransparent),
        .message(Array("<13>1 - -".utf8), .octetCounting),
        .message(Array("2024-01-01 no prefix".utf8), .nonTransparent),
    ]

    func frames(_ chunks: [[UInt8]], max: Int = 1024) -> [SyslogFraming.Frame] {
        var framer = SyslogFraming(maxFrameBytes: max)
        var frames: [SyslogFraming.Frame] = []
        for chunk in chunks { frames += framer.append(chunk) }
        return frames + framer.finish()
    }

    @Test("Mixed framing is detected per message")
    func mixedFraming() {
        #expect(frames([stream]) == expected)
    }

    @Test("The stream split at every offset, and byte by byte, gives the same frames")
    func everySplit() {
        for split in 0...stream.count {
            #expect(frames([Array(stream[..<split]), Array(stream[split...])]) == expected, "split at \(split)")
        }
        #expect(frames(stream.map { [$0] }) == expected)
    }

    @Test("Random chunking from a seeded generator gives the same frames")
    func randomChunks() {
        var rng = SplitMix64(seed: 6587)
        for _ in 0..<200 {
            var chunks: [[UInt8]] = []
            var index = 0
            while index < stream.count {
                let size = Int.random(in: 0...9, using: &rng)
                chunks.append(Array(stream[index..<min(stream.count, index + size)]))
                index += size
            }
            #expect(frames(chunks) == expected)
        }
    }

    @Test("Oversized frames are reported, skipped, and the stream stays in sync")
    func oversized() {
        let body = Array("12 <13>abcdefgh5 <13>x<13>too long line\r\n<13>ok\n".utf8)
        let result = frames([body], max: 8)
        #expect(
            result == [
                .oversized(byteCount: 12, method: .octetCounting, offset: 0),
                .message(Array("<13>x".utf8), .octetCounting),
                .oversized(byteCount: 18, method: .nonTransparent, offset: 22),
                .message(Array("<13>ok".utf8), .nonTransparent),
            ])
        for split in 0...body.count {
            #expect(frames([Array(body[..<split]), Array(body[split...])], max: 8) == result, "split at \(split)")
        }
    }

    @Test("A stream ending inside a frame: counted frames are truncated, LF frames delivered")
    func endOfStream() {
        #expect(frames([Array("20 <13>short".utf8)]) == [.truncated(expected: 20, received: 9, offset: 0)])
        #expect(frames([Array("<13>last line".utf8)]) == [.message(Array("<13>last line".utf8), .nonTransparent)])
        #expect(frames([Array("\n\n\0".utf8)]).isEmpty)
    }
}
