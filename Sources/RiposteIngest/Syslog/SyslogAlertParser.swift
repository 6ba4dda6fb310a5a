// Maps plain syslog messages (`?source=syslog`, and syslog listeners set to `syslog`) to alert drafts.
import FoundationEssentials
package import RiposteCore
import RiposteRuntime

/// Parses a body of syslog messages, one per line (RFC 5424 or RFC 3164, as ``SyslogMessage`` reads them),
/// for devices that log alerts as text rather than CEF or LEEF.
///
/// Mapping:
/// - **title**: the message text (its first 256 characters; the whole message stays in the raw payload), or
///   `APP-NAME message` when the header names the application; `(empty message)` when there is none.
/// - **severity**: the syslog severity — emergency, alert, critical → critical; error → high;
///   warning → medium; notice → low; informational, debug → informational; none → unknown.
/// - **time**: the header's timestamp (RFC 3164 times take ``year``; without one they are unset).
/// - **rule name**: APP-NAME, and **rule uid**: MSGID (RFC 5424).
/// - **host name**: the header's HOSTNAME, also an observable (IP, domain or host name).
/// - **observables**: the host, then whatever ``ObservableExtractor`` finds in the message and in the
///   structured-data values.
/// - **source ref**: `sha256:` of the message bytes, so a resent message is a duplicate.
package struct SyslogAlertParser: AlertParser {
    package var source: String { "syslog" }
    package var version: Int { 1 }
    /// The year for RFC 3164 timestamps, which carry none; nil leaves them unset.
    package var year: Int?

    private static let titleLimit = 256

    package init(year: Int? = nil) { self.year = year }

    package func parse(body: [UInt8], limits: IngestLimits) throws -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        var observables = ObservableCollector()
        let hasher = Crypto.SHA256Hasher()
        try body.withUnsafeBufferPointer { buffer in
            drafts.reserveCapacity(LineRecords.capacity(for: buffer, limits: limits))
            try LineRecords.forEach(in: buffer, limits: limits) { record, line in
                let raw = Array(line)
                let message: SyslogMessage
                do {
                    message = try SyslogMessage.parse(raw, year: year)
                } catch let error as RiposteError {
                    throw RiposteError(error.code, "\(record.label): \(error.message)", underlying: error)
                }
                drafts.append(draft(message, raw: raw, observables: &observables, hasher: hasher))
            }
        }
        return drafts
    }

    /// The draft for one parsed message whose bytes are `raw`; `observables` is empty, and left empty.
    func draft(
        _ message: SyslogMessage, raw: [UInt8], observables: inout ObservableCollector, hasher: Crypto.SHA256Hasher
    ) -> AlertDraft {
        observables.addHost(message.hostname)
        observables.add(contentsOf: ObservableExtractor.observables(inUTF8: message.message))
        for element in message.structuredData {
            for parameter in element.parameters {
                observables.add(contentsOf: ObservableExtractor.observables(in: parameter.value))
            }
        }
        return AlertDraft(
            source: source,
            sourceRef: raw.withUnsafeBufferPointer { sha256SourceRef($0, hasher: hasher) },
            title: Self.title(message.message, appName: message.appName),
            severity: Self.severity(message.severity),
            time: message.timestamp,
            rule: DetectionRule(uid: message.msgID, name: message.appName),
            hostName: message.hostname,
            observables: observables.takeDrafts(),
            raw: raw,
            parserVersion: version
        )
    }

    /// `APP-NAME message` or the message alone: the message without surrounding whitespace, cut to ``titleLimit``
    /// characters; `(empty message)` for none.
    static func title(_ message: [UInt8], appName: String?) -> String {
        let app = appName?.isEmpty == false ? appName : nil
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var start = 0
        var end = message.count
        while start < end, isSpace(message[start]) { start += 1 }
        while end > start, isSpace(message[end - 1]) { end -= 1 }
        guard start < end else { return app.map { $0 + " (empty message)" } ?? "(empty message)" }
        // Most messages are ASCII: then, without CR (CR LF is one character), each byte is one character and an ASCII
        // byte after the cut never joins the character before it, so the cut is a byte count and needs no grapheme
        // breaking, which took a tenth of the time.
        let cut = min(end, start + titleLimit)
        if message[start..<min(end, cut + 1)].allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            return message.withUnsafeBufferPointer { Self.joined(app, UnsafeBufferPointer(rebasing: $0[start..<cut])) }
        }
        let title = String(String(decoding: message, as: UTF8.self).trimmingWhitespace().prefix(titleLimit))
        return app.map { $0 + " " + title } ?? title
    }

    /// `prefix`, a space and `text`, or `text` alone, made as one string.
    private static func joined(_ prefix: String?, _ text: UnsafeBufferPointer<UInt8>) -> String {
        guard var prefix else { return String(decoding: text, as: UTF8.self) }
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 1 + text.count) { output in
                // The capacity is the three parts' lengths added up, so each fits after the one before.
                _ = output.initialize(fromContentsOf: head)
                output[head.count] = Bytes.space
                _ = UnsafeMutableBufferPointer(rebasing: output[(head.count + 1)...]).initialize(fromContentsOf: text)
                return head.count + 1 + text.count
            }
        }
    }

    /// RFC 5424 severity 0–7 as an alert severity.
    static func severity(_ value: Int?) -> Severity {
        switch value {
        case 0, 1, 2: .critical
        case 3: .high
        case 4: .medium
        case 5: .low
        case 6, 7: .informational
        default: .unknown
        }
    }
}
