// Maps plain syslog messages (`?source=syslog`, and syslog listeners set to `syslog`) to alert drafts.
import FoundationEssentials
package import RiposteCore

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
                drafts.append(draft(message, raw: raw))
            }
        }
        return drafts
    }

    /// The draft for one parsed message whose bytes are `raw`.
    package func draft(_ message: SyslogMessage, raw: [UInt8]) -> AlertDraft {
        let text = message.messageText.trimmingWhitespace()
        var title = text.isEmpty ? "(empty message)" : String(text.prefix(Self.titleLimit))
        if let app = message.appName, !app.isEmpty { title = app + " " + title }
        var observables = ObservableCollector()
        observables.addHost(message.hostname)
        observables.add(contentsOf: ObservableExtractor.observables(inUTF8: message.message))
        for element in message.structuredData {
            for parameter in element.parameters {
                observables.add(contentsOf: ObservableExtractor.observables(in: parameter.value))
            }
        }
        return AlertDraft(
            source: source,
            sourceRef: sha256SourceRef(raw),
            title: title,
            severity: Self.severity(message.severity),
            time: message.timestamp,
            rule: DetectionRule(uid: message.msgID, name: message.appName),
            hostName: message.hostname,
            observables: observables.drafts,
            raw: raw,
            parserVersion: version
        )
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
