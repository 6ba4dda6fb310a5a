// MHDExchange: the state of one request shared by MHD's threads and the handler task, and its
// suspend/resume protocol.

import CMicroHTTPD
import Foundation
import Synchronization

/// An MHD connection pointer that crosses from an MHD worker thread into a handler task.
///
/// Safety: off the MHD thread it is only passed to `MHD_resume_connection`, which MHD allows from
/// any thread, and only after flipping `MHDExchange.State.suspended` from true to false under the exchange's
/// mutex. The MHD thread sets that flag in the same critical section in which it calls
/// `MHD_suspend_connection`, so the mutex is the happens-before edge: a resume always follows its
/// suspend, happens at most once per suspend, and a connection that is suspended cannot complete,
/// so the pointer is still valid when it is resumed.
struct MHDConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// One request/response exchange on a connection, from the request line to MHD's completion
/// callback. MHD holds one retain in `con_cls` (released in the completion callback), a streaming
/// response holds another (released by MHD's free callback), and the handler task a strong reference.
final class MHDExchange: Sendable {
    enum Stage {
        /// Headers and body are arriving (MHD thread only).
        case receiving
        /// The connection is (or is about to be) suspended while the handler task runs.
        case handling
        /// The handler finished; the MHD thread queues this response when the connection resumes.
        case ready(HTTPResponse)
        /// Shutdown gave up on the handler; the MHD thread answers 503 when the connection resumes.
        case abandoned
        /// A response was queued with MHD.
        case responded
        /// MHD reported the request finished (or the connection closed); nothing may touch the connection.
        case completed
    }

    /// A streaming body's buffer, filled by the task and drained by MHD's content-reader callback.
    struct Stream {
        var pending: [UInt8] = []
        var offset = 0
        /// No more data will come: end the chunked body after `pending` drains.
        var finished = false
        /// The stream broke (producer error, slow client): close the connection without the final chunk.
        var failed = false
        var pendingCount: Int { pending.count - offset }
    }

    struct State {
        var stage: Stage = .receiving
        var headReceived = false
        var method = HTTPMethod.get
        var headers = HTTPHeaders()
        var requestID = ""
        var remoteAddress = ""
        var body = Data()
        var bodyOverflowed = false
        var bytesDiscarded = 0
        /// True while the connection is suspended by us; whoever flips it to false must resume it.
        var suspended = false
        var task: Task<Void, Never>?
        var stream: Stream?
        /// Status and body bytes of the queued response, for the access log (0 = none queued).
        var status = 0
        var bytesSent = 0
    }

    let connection: MHDConnectionHandle
    /// The raw request target (`/path?query`) as MHD received it, before any unescaping.
    let target: String
    /// Where MHD's read buffer held the raw target, and its `strlen` (for `MHDRequestLayout`);
    /// only dereferenced on the MHD thread during the first access-handler call.
    let rawTargetAddress: UInt
    let rawTargetCount: Int
    let startedAt: Date
    let started: ContinuousClock.Instant
    let state = Mutex(State())

    init(connection: MHDConnectionHandle, rawTarget: UnsafePointer<CChar>?) {
        self.connection = connection
        self.rawTargetAddress = UInt(bitPattern: rawTarget)
        self.rawTargetCount = rawTarget.map { strlen($0) } ?? 0
        self.target = rawTarget.map { String(cString: $0) } ?? ""
        self.startedAt = Date()
        self.started = ContinuousClock.now
    }

    // MARK: - Handler task side

    /// Hands the handler's response to the MHD thread. Returns false if the exchange was abandoned
    /// (shutdown answered it already, or the connection is gone); the response is then dropped.
    ///
    /// `isDraining` is read inside the exchange's critical section, so it cannot miss a shutdown
    /// that visited this exchange first.
    func deliver(_ response: HTTPResponse, isDraining: () -> Bool) -> Bool {
        let resume: Bool? = state.withLock { state in
            guard case .handling = state.stage else { return nil }
            state.stage = .ready(response)
            if case .stream = response.body {
                // A stream that starts while the server drains ends at once (headers only).
                state.stream = Stream(finished: isDraining())
            }
            return takeSuspension(&state)
        }
        guard let resume else { return false }
        if resume { MHD_resume_connection(connection.pointer) }
        return true
    }

    /// Queues stream bytes; resumes the connection if MHD is waiting for data.
    func write(_ bytes: [UInt8], limit: Int) throws {
        // (accepted, resume): a refused write may still need a resume so MHD can close the connection.
        let (accepted, resume): (Bool, Bool) = state.withLock { state in
            guard var stream = state.stream, !stream.finished, !stream.failed, !isCompleted(state) else {
                return (false, false)
            }
            state.stream = nil  // keep `pending` uniquely referenced while we change it
            if stream.pendingCount + bytes.count > limit {
                stream.failed = true
                state.stream = stream
                return (false, takeSuspension(&state))
            }
            if stream.offset > 0 && stream.offset >= stream.pending.count / 2 {
                stream.pending.removeFirst(stream.offset)
                stream.offset = 0
            }
            stream.pending.append(contentsOf: bytes)
            state.stream = stream
            return (true, takeSuspension(&state))
        }
        if resume { MHD_resume_connection(connection.pointer) }
        if !accepted { throw HTTPStreamClosedError() }
    }

    /// True once stream writes would throw.
    var isStreamClosed: Bool {
        state.withLock { state in
            guard let stream = state.stream else { return true }
            return stream.finished || stream.failed || isCompleted(state)
        }
    }

    /// Ends the stream: cleanly (final chunk) unless `failed`.
    func endStream(failed: Bool) {
        let resume: Bool = state.withLock { state in
            guard var stream = state.stream else { return false }
            if failed { stream.failed = true } else { stream.finished = true }
            state.stream = stream
            return takeSuspension(&state)
        }
        if resume { MHD_resume_connection(connection.pointer) }
    }

    /// Records the handler task so that completion or shutdown can cancel it.
    func attach(_ task: Task<Void, Never>) {
        let cancel = state.withLock { state -> Bool in
            if isCompleted(state) { return true }
            state.task = task
            return false
        }
        if cancel { task.cancel() }
    }

    // MARK: - MHD thread side

    /// Fills MHD's buffer from a stream; suspends the connection when there is nothing to send yet.
    func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        state.withLock { state in
            guard state.stream != nil, !state.stream!.failed else { return MHDConstants.endWithError }
            let available = state.stream!.pendingCount
            if available > 0 {
                let count = min(available, max)
                let offset = state.stream!.offset
                state.stream!.pending.withUnsafeBytes { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
                }
                if count == available {
                    state.stream!.pending.removeAll(keepingCapacity: true)
                    state.stream!.offset = 0
                } else {
                    state.stream!.offset += count
                }
                state.bytesSent += count
                return count
            }
            // Shutdown marks every stream finished under this lock, so this never suspends after it.
            if state.stream!.finished { return MHDConstants.endOfStream }
            // Nothing yet: MHD threads never wait. The next write (or shutdown) resumes us.
            state.suspended = true
            MHD_suspend_connection(connection.pointer)
            return 0
        }
    }

    // MARK: - Shutdown side

    /// Drain phase: ends a live stream gracefully and cancels its producer. Other requests are left alone.
    func endStreamForShutdown() {
        let (task, resume): (Task<Void, Never>?, Bool) = state.withLock { state in
            guard var stream = state.stream, !isCompleted(state) else { return (nil, false) }
            stream.finished = true
            state.stream = stream
            return (state.task, takeSuspension(&state))
        }
        task?.cancel()
        if resume { MHD_resume_connection(connection.pointer) }
    }

    /// Stop phase: cancels the handler and resumes the connection so MHD can answer (503) and close it.
    /// Returns true if the connection was resumed (the caller may wait for it to complete).
    @discardableResult
    func abandonForStop() -> Bool {
        let (task, resume): (Task<Void, Never>?, Bool) = state.withLock { state in
            if case .handling = state.stage { state.stage = .abandoned }
            if var stream = state.stream {
                stream.finished = true
                state.stream = stream
            }
            return (state.task, takeSuspension(&state))
        }
        task?.cancel()
        if resume { MHD_resume_connection(connection.pointer) }
        return resume
    }

    /// True once MHD reported the exchange finished.
    var isCompleted: Bool { state.withLock { isCompleted($0) } }

    // MARK: - Helpers

    /// Clears `suspended`; returns true if the caller must now call `MHD_resume_connection`.
    private func takeSuspension(_ state: inout State) -> Bool {
        guard state.suspended else { return false }
        state.suspended = false
        return true
    }

    private func isCompleted(_ state: State) -> Bool {
        if case .completed = state.stage { return true }
        return false
    }
}

/// The server's writer for a streaming body.
struct MHDBodyWriter: HTTPBodyWriter {
    let exchange: MHDExchange
    let limit: Int

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try exchange.write(bytes, limit: limit)
    }

    var isClosed: Bool { exchange.isStreamClosed }
}
