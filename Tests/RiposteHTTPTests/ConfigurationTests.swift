// HTTPServerConfiguration: defaults, environment keys and address parsing.

import RiposteHTTP
import Testing

@Suite("Server configuration")
struct ConfigurationTests {
    @Test("Defaults are the documented safe values")
    func defaults() {
        let configuration = HTTPServerConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.maxBodyBytes == 10 << 20)
        #expect(configuration.connectionMemoryLimit == 32 << 10)
        #expect(configuration.connectionLimit == 1024)
        #expect(configuration.connectionTimeout == .seconds(30))
        #expect(configuration.drainTimeout == .seconds(10))
        #expect(configuration.threadCount >= 1)
        #expect(configuration.tls == nil)
    }

    @Test("Environment keys override the defaults")
    func environment() throws {
        let configuration = try HTTPServerConfiguration(environment: [
            "RIPOSTE_HTTP_MAX_BODY_BYTES": "2048", "RIPOSTE_HTTP_CONNECTION_LIMIT": "64",
            "RIPOSTE_HTTP_TIMEOUT_SECONDS": "5", "RIPOSTE_HTTP_THREADS": "3",
            "RIPOSTE_TLS_CERT": "/etc/riposte/cert.pem", "RIPOSTE_TLS_KEY": "/etc/riposte/key.pem",
            "UNRELATED": "x",
        ])
        #expect(configuration.maxBodyBytes == 2048)
        #expect(configuration.connectionLimit == 64)
        #expect(configuration.connectionTimeout == .seconds(5))
        #expect(configuration.threadCount == 3)
        #expect(configuration.tls == .init(certificatePath: "/etc/riposte/cert.pem", privateKeyPath: "/etc/riposte/key.pem"))
        #expect(try HTTPServerConfiguration(environment: [:]) == HTTPServerConfiguration())
        #expect(try HTTPServerConfiguration(environment: ["RIPOSTE_HTTP_THREADS": ""]) == HTTPServerConfiguration())
    }

    @Test(
        "Invalid environment values throw an error naming the key",
        arguments: [
            ("RIPOSTE_HTTP_MAX_BODY_BYTES", "ten"), ("RIPOSTE_HTTP_MAX_BODY_BYTES", "-1"),
            ("RIPOSTE_HTTP_CONNECTION_LIMIT", "0"), ("RIPOSTE_HTTP_TIMEOUT_SECONDS", "1.5"),
            ("RIPOSTE_HTTP_THREADS", "1000"), ("RIPOSTE_TLS_CERT", "/only/cert.pem"), ("RIPOSTE_TLS_KEY", "/only/key.pem"),
        ])
    func invalidEnvironment(key: String, value: String) {
        let error = #expect(throws: HTTPConfigurationError.self) {
            try HTTPServerConfiguration(environment: [key: value])
        }
        #expect(error?.key == key || (key.hasPrefix("RIPOSTE_TLS") && error?.key.hasPrefix("RIPOSTE_TLS") == true))
        #expect(error?.description.contains(error?.key ?? "?") == true)
    }

    @Test("Addresses parse as HOST:PORT, [IPv6]:PORT, :PORT and HOST")
    func addresses() throws {
        #expect(try HTTPServerConfiguration.parseAddress("0.0.0.0:8443") == ("0.0.0.0", 8443))
        #expect(try HTTPServerConfiguration.parseAddress("[::1]:8080") == ("::1", 8080))
        #expect(try HTTPServerConfiguration.parseAddress("[::]") == ("::", 8080))
        #expect(try HTTPServerConfiguration.parseAddress(":9000") == ("127.0.0.1", 9000))
        #expect(try HTTPServerConfiguration.parseAddress("localhost") == ("localhost", 8080))
        #expect(try HTTPServerConfiguration.parseAddress("127.0.0.1:0") == ("127.0.0.1", 0))
        let configuration = try HTTPServerConfiguration(address: "[::1]:0")
        #expect(configuration.host == "::1" && configuration.port == 0)
        for bad in ["::1:80", "[::1", "[::1]x", "host:99999", "host:-1", "[127.0.0.1]:80", "", ":"] {
            #expect(throws: HTTPConfigurationError.self, "\(bad)") { try HTTPServerConfiguration.parseAddress(bad) }
        }
    }

    @Test("A host name that is not an IP literal fails to start with a clear error")
    func hostNameRejected() async {
        var configuration = HTTPServerConfiguration()
        configuration.host = "example.invalid"
        configuration.port = 0
        let server = HTTPServer(configuration: configuration, responder: Router(), accessLog: { _ in }, diagnostics: { _ in })
        let error = await #expect(throws: HTTPServerError.self) { try await server.start() }
        #expect(error?.code == .invalidAddress)
    }

    @Test("Out-of-range limits fail to start with an error naming the setting")
    func invalidLimits() async {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.connectionMemoryLimit = 100
        let server = HTTPServer(configuration: configuration, responder: Router(), accessLog: { _ in }, diagnostics: { _ in })
        let error = await #expect(throws: HTTPConfigurationError.self) { try await server.start() }
        #expect(error?.key == "connectionMemoryLimit")
    }
}
