// `riposte serve` from process start to `/readyz` answering 200, and idle resident memory.
// Targets: ≤ 300 ms to ready; ≤ 40 MB idle RSS. Runs the release binary beside this benchmark.
//
// Usage: StartupBenchmark [--runs N]
import Foundation
import RiposteTesting

func monotonicNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// True when GET /readyz on `port` answers 200 (a fresh connection per probe).
func ready(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return false }
    let request = Array("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
    guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = recv(fd, &buffer, buffer.count, 0)
    return count > 12 && String(decoding: buffer[9..<12], as: UTF8.self) == "200"
}

func residentMegabytes(pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Double(line.split(separator: " ")[1])
    else { return -1 }
    return kilobytes / 1024
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

let runs = BenchmarkArguments(usage: "StartupBenchmark [--runs N]", flags: ["--runs"]).int("--runs", default: 11)
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("riposte").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
    fatalError("riposte binary not found at \(binary); build with 'swift build -c release'")
}
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-startup-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: directory) }

var startTimes: [Double] = []
var firstStart = 0.0
var idleMemory: [Double] = []
for run in 0..<runs {
    let port = freePort()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["serve", "--data", directory, "--listen", "127.0.0.1:\(port)"]
    process.environment = ProcessInfo.processInfo.environment.merging(["RIPOSTE_LOG_LEVEL": "error"]) { _, new in new }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let started = monotonicNow()
    try process.run()
    while !ready(port: port) {
        guard process.isRunning else { fatalError("riposte exited with \(process.terminationStatus)") }
        usleep(500)
    }
    let elapsed = (monotonicNow() - started) * 1000
    if run == 0 { firstStart = elapsed } else { startTimes.append(elapsed) }
    Thread.sleep(forTimeInterval: 1.0)
    idleMemory.append(residentMegabytes(pid: process.processIdentifier))
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("riposte exited with \(process.terminationStatus) on SIGTERM") }
}
let startMedian = median(startTimes)
let memoryMedian = median(idleMemory)
print(String(format: "first start (empty data directory, creates store and admin): %.1f ms", firstStart))
print(
    String(
        format: "start to /readyz, median of %d restarts: %.1f ms (target <= 300: %@)", startTimes.count, startMedian,
        startMedian <= 300 ? "PASS" : "FAIL"))
print(
    String(format: "idle resident memory, median: %.1f MB (target <= 40: %@)", memoryMedian, memoryMedian <= 40 ? "PASS" : "FAIL")
)
