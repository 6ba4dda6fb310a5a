// Runs the real `riposte` executable (built beside the test bundle) for CLI and crash tests.
import Foundation
import Testing

/// The `riposte` binary of this build and helpers to run it.
enum RiposteBinary {
    /// `.build/<triple>/debug/riposte`, next to the test bundle.
    static func url() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("riposte")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw HarnessError(message: "riposte binary not found beside \(bundleDirectory.path); run 'swift build' first")
    }

    /// Runs `riposte arguments…` to completion and returns status, stdout and stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A `riposte serve` child process on a free port, whose stdout is collected.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    private let outputPath: String

    /// Starts `riposte serve` on `dataDirectory` and waits until `/readyz` answers. A start that loses its port
    /// to another test between ``freePort()`` and the server's bind (parallel tests open ports all the time) is
    /// tried again on a new port; any other early exit fails with the server's own error line.
    static func start(dataDirectory: String) async throws -> ServerProcess {
        // Standard output goes to a file: read at any time, nothing lost when the process exits, and kept
        // across attempts (a first start that lost its port has already printed the admin password).
        let outputPath = temporaryDataDirectory() + ".stdout"
        let errorPath = outputPath + ".stderr"
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            FileManager.default.createFile(atPath: errorPath, contents: nil),
            let output = FileHandle(forWritingAtPath: outputPath), let errors = FileHandle(forWritingAtPath: errorPath)
        else { throw HarnessError(message: "cannot create \(outputPath)") }
        for _ in 0..<5 {
            let port = try freePort()
            let process = Process()
            process.executableURL = try RiposteBinary.url()
            process.arguments = ["serve", "--data", dataDirectory, "--listen", "127.0.0.1:\(port)"]
            process.environment = ProcessInfo.processInfo.environment.merging(["RIPOSTE_LOG_LEVEL": "warning"]) { _, new in new }
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, process.isRunning {
                if let response = try? await TestHTTP.request("GET", "http://127.0.0.1:\(port)/readyz", token: nil),
                    response.status == 200
                {
                    // Made only now: a ServerProcess removes the shared output file when it goes away.
                    return ServerProcess(process: process, port: port, outputPath: outputPath)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            guard !process.isRunning else {
                process.terminate()
                throw HarnessError(message: "riposte serve did not become ready")
            }
            process.waitUntilExit()
            let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            guard stderr.contains("Address already in use") else {
                throw HarnessError(message: "riposte serve exited with \(process.terminationStatus): \(stderr.suffix(300))")
            }
        }
        throw HarnessError(message: "riposte serve lost its port to other tests five times in a row")
    }

    private init(process: Process, port: Int, outputPath: String) {
        self.process = process
        self.port = port
        self.outputPath = outputPath
    }

    deinit { try? FileManager.default.removeItem(atPath: outputPath) }

    /// Everything the server wrote to standard output so far.
    var stdout: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Sends `signal` and waits for the process to exit; returns its status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A port the kernel just handed out and released (a tiny race we accept in tests).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw HarnessError(message: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A fresh temporary directory path (not created).
func temporaryDataDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("riposte-proc-\(UUID().uuidString)").path
}
