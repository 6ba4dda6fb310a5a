// Golden drafts of the JSON source parsers: every field of every draft made from the corpus samples and the Elastic
// fixtures, compared with `Tests/Golden/json-source-drafts.txt`, so a speed-up that changes output fails.
//
// Recorded before the parsers' speed work; `RIPOSTE_RECORD_GOLDEN=1 swift test --filter JSONSourceGolden` writes the
// file again (then review its diff: every change is a change of output). Zeek's drafts are in the line-format file.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@testable import RiposteIngest

@Suite("JSON source golden drafts")
struct JSONSourceGoldenTests {
    @Test("Suricata, Elastic, Splunk, Sentinel, QRadar, Wazuh and mapped drafts are exactly the recorded ones")
    func drafts() throws {
        var golden = GoldenDrafts(file: "json-source-drafts.txt")
        func corpus(_ path: String) throws -> [UInt8] { Array(try Corpus.contents(path)) }
        func name(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

        for path in try Corpus.files(in: "siem_alerts/suricata", suffix: ".json")
            + Corpus.files(in: "pcaps/expected-alerts", suffix: ".eve-alerts.jsonl")
        {
            try golden.record("suricata \(name(path))", SuricataEVEParser(), corpus(path))
        }
        let flat = ElasticAlertParserTests.flat.replacingOccurrences(of: "\n", with: "")
        let nested = ElasticAlertParserTests.nested.replacingOccurrences(of: "\n", with: "")
        try golden.record("elastic flat", ElasticAlertParser(), bytes(flat))
        try golden.record("elastic nested", ElasticAlertParser(), bytes(nested))
        try golden.record("elastic ndjson", ElasticAlertParser(), bytes(flat + "\n" + nested + "\n"))
        try golden.record("elastic envelope", ElasticAlertParser(), bytes(#"{"alerts":["# + flat + "," + nested + "]}"))
        try golden.record("elastic context envelope", ElasticAlertParser(), bytes(#"{"context":{"alerts":["# + nested + "]}}"))
        let sysmon = MappedAlertParser(name: "sysmon", mapping: try AlertMapping(json: bytes(AlertMappingTests.sysmon)))
        for path in try Corpus.files(in: "siem_alerts/sigma-matched-events", suffix: ".event.json") {
            try golden.record("mapping sysmon \(name(path))", sysmon, corpus(path))
        }
        for path in [
            "siem_alerts/splunk/demisto-splunk-es-notable-event.json",
            "siem_alerts/splunk/splunk-docs-webhook-alert-payload.json",
        ] {
            try golden.record("splunk \(name(path))", SplunkAlertParser(), corpus(path))
        }
        for path in [
            "siem_alerts/sentinel/azure-rest-api-specs_GetIncidentById.json",
            "siem_alerts/sentinel/azure-rest-api-specs_GetAllIncidentAlerts.json",
        ] {
            try golden.record("sentinel \(name(path))", SentinelAlertParser(), jsonBytes(try azureExampleBody(path)))
        }
        try golden.record(
            "qradar", QRadarOffenseParser(), corpus("siem_alerts/qradar/demisto-qradar-offenses-list-response.json"))
        try golden.record("wazuh", WazuhAlertParser(), corpus("siem_alerts/wazuh/wazuh-qa_sshd-bruteforce-5712-alert.json"))
        try golden.expectMatchesFile()
    }
}
