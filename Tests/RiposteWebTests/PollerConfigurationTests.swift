// The poller keys of AppConfiguration: what turns a poller on, what is required, what is refused,
// and that a refused secret is never echoed.
import Foundation
import RiposteApp
import RiposteCore
import RiposteIngest
import RiposteRuntime
import Testing

@Suite("Poller configuration")
struct PollerConfigurationTests {
    func configuration(_ values: [String: String]) throws -> AppConfiguration {
        try AppConfiguration(flags: [:], environment: Environment(values), configFile: nil)
    }

    func invalid(_ values: [String: String]) -> RiposteError? {
        do {
            _ = try configuration(values)
            Issue.record("expected the configuration to be refused")
        } catch let error as RiposteError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    static let sentinel = [
        "RIPOSTE_SENTINEL_TENANT_ID": "t", "RIPOSTE_SENTINEL_CLIENT_ID": "c", "RIPOSTE_SENTINEL_CLIENT_SECRET": "s3cr3t-value",
        "RIPOSTE_SENTINEL_SUBSCRIPTION_ID": "sub", "RIPOSTE_SENTINEL_RESOURCE_GROUP": "rg", "RIPOSTE_SENTINEL_WORKSPACE": "ws",
    ]

    @Test("No poller keys, no pollers")
    func off() throws {
        let config = try configuration([:])
        #expect(config.qradarPoller == nil && config.sentinelPoller == nil)
    }

    @Test("QRadar: URL and token turn it on; the other keys have documented defaults and ranges")
    func qradar() throws {
        let config = try configuration([
            "RIPOSTE_QRADAR_URL": "https://qradar.example.com", "RIPOSTE_QRADAR_TOKEN": "tok", "RIPOSTE_QRADAR_INTERVAL": "120",
            "RIPOSTE_QRADAR_LOOKBACK": "0",
        ])
        let qradar = try #require(config.qradarPoller)
        #expect(qradar.baseURL.absoluteString == "https://qradar.example.com")
        #expect(qradar.token.value == "tok")
        #expect(qradar.apiVersion == "14.0" && qradar.pageSize == 50 && qradar.timeout == .seconds(30))
        #expect(qradar.initialLookback == nil)
        #expect(config.qradarInterval == .seconds(120))
        #expect(invalid(["RIPOSTE_QRADAR_URL": "https://qradar.example.com"])?.message.contains("RIPOSTE_QRADAR_TOKEN") == true)
        #expect(invalid(["RIPOSTE_QRADAR_TOKEN": "tok"])?.message.contains("RIPOSTE_QRADAR_URL") == true)
        #expect(
            invalid(["RIPOSTE_QRADAR_URL": "https://q.example", "RIPOSTE_QRADAR_TOKEN": "t", "RIPOSTE_QRADAR_INTERVAL": "1"])?
                .message.contains("RIPOSTE_QRADAR_INTERVAL") == true)
    }

    @Test("The token may come from a file")
    func tokenFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qradar-token-\(UUID().uuidString)").path
        try Data("from-a-file\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try configuration(["RIPOSTE_QRADAR_URL": "https://q.example", "RIPOSTE_QRADAR_TOKEN": "file:" + path])
        #expect(config.qradarPoller?.token.value == "from-a-file")
    }

    @Test("Plain http is refused except to a loopback address, and the refusal never shows the token")
    func httpRefused() throws {
        let error = invalid(["RIPOSTE_QRADAR_URL": "http://qradar.example.com", "RIPOSTE_QRADAR_TOKEN": "tok-secret-value"])
        #expect(error?.message.contains("https") == true)
        #expect(error?.message.contains("tok-secret-value") == false)
        #expect(try configuration(["RIPOSTE_QRADAR_URL": "http://127.0.0.1:9", "RIPOSTE_QRADAR_TOKEN": "t"]).qradarPoller != nil)
        #expect(invalid(["RIPOSTE_QRADAR_URL": "https://user:pw@q.example", "RIPOSTE_QRADAR_TOKEN": "t"]) != nil)
    }

    @Test("Sentinel: the tenant turns it on and every identity key is then required")
    func sentinel() throws {
        let config = try configuration(Self.sentinel)
        let sentinel = try #require(config.sentinelPoller)
        #expect(sentinel.managementURL.absoluteString == "https://management.azure.com")
        #expect(sentinel.loginURL.absoluteString == "https://login.microsoftonline.com")
        #expect(sentinel.apiVersion == "2024-03-01")
        for key in Self.sentinel.keys where key != "RIPOSTE_SENTINEL_TENANT_ID" {
            var values = Self.sentinel
            values[key] = nil
            let error = invalid(values)
            #expect(error?.message.contains(key) == true)
            #expect(error?.message.contains("s3cr3t-value") == false)
        }
    }
}
