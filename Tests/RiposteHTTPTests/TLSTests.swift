// In-process TLS: a real HTTPS request with curl against a self-signed certificate made by openssl.

import Foundation
import RiposteHTTP
import Testing

@Suite("TLS")
struct TLSTests {
    /// Runs a program to completion (off the cooperative pool) and returns its exit status and stdout.
    static func run(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-http-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("An HTTPS request succeeds with a self-signed certificate (or TLS-less MHD fails clearly)")
    func httpsRequest() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let made = try await Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                "-keyout", key, "-out", certificate,
            ])
        try #require(made.status == 0)

        var router = Router()
        router.post("/secure/{name}") { request, context in
            .text("hello \(context.parameters["name"] ?? "") \(request.body.count) \(request.headers["X-Test"] ?? "")")
        }
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.tls = .init(certificatePath: certificate, privateKeyPath: key)
        let server = HTTPServer(configuration: configuration, responder: router, accessLog: { _ in }, diagnostics: { _ in })
        let port: Int
        do {
            port = try await server.start()
        } catch let error as HTTPServerError where error.code == .tlsUnsupported {
            // This libmicrohttpd has no TLS: the failure must say so plainly.
            #expect(error.message.contains("TLS"))
            return
        }
        let result = try await Self.run(
            "/usr/bin/curl",
            [
                "-k", "-s", "--max-time", "10", "-H", "X-Test: yes", "--data-binary", "abc",
                "https://127.0.0.1:\(port)/secure/world",
            ])
        let plain = try? await fetch(port: port, "GET", "/secure/world")  // plain HTTP on the TLS port
        await server.shutdown()
        #expect(result.status == 0)
        #expect(result.output == "hello world 3 yes")
        #expect(plain?.status != 200)
    }

    @Test("Unreadable or non-PEM TLS files are a clear start error")
    func unreadableFiles() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notPEM = directory.appendingPathComponent("junk.pem")
        try Data("not a certificate".utf8).write(to: notPEM)
        let cases: [(String, String)] = [
            (directory.appendingPathComponent("missing.pem").path, notPEM.path),
            (notPEM.path, notPEM.path),
        ]
        for (certificate, key) in cases {
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.tls = .init(certificatePath: certificate, privateKeyPath: key)
            let server = HTTPServer(
                configuration: configuration, responder: Router(), accessLog: { _ in }, diagnostics: { _ in })
            let error = await #expect(throws: HTTPServerError.self) { try await server.start() }
            #expect(error?.code == .tlsFileUnreadable || error?.code == .tlsUnsupported)
            #expect(error?.message.contains(certificate) == true || error?.code == .tlsUnsupported)
        }
    }

    @Test("A PEM key that does not match the certificate fails to start with MHD's reason")
    func mismatchedKey() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let badKey = directory.appendingPathComponent("bad.pem")
        _ = try await Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                "-keyout", key, "-out", certificate,
            ])
        try Data("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8).write(to: badKey)
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.tls = .init(certificatePath: certificate, privateKeyPath: badKey.path)
        let server = HTTPServer(configuration: configuration, responder: Router(), accessLog: { _ in }, diagnostics: { _ in })
        let error = await #expect(throws: HTTPServerError.self) { try await server.start() }
        #expect(error?.code == .startFailed || error?.code == .tlsUnsupported)
        #expect(error?.message.contains("TLS") == true)
    }
}
