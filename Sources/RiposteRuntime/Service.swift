// Long-running work (HTTP server, job worker, listeners) runs as a Service inside a ServiceGroup.

/// A unit of long-running work. `run()` returns when the work is finished or when
/// `shutdown()` has been called; it throws only for failures that should stop the process.
package protocol Service: Sendable {
    /// A short name for logs (`http`, `jobs`).
    var name: String { get }
    /// Runs until finished or shut down.
    func run() async throws
    /// Asks `run()` to finish: stop taking new work, let in-flight work complete, then return.
    func shutdown() async
}
