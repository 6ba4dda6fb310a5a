// Faults a vendor simulator can be told to answer with next: an error status, a malformed body, a stall.
import FoundationEssentials
import RiposteHTTP
import Synchronization

/// One scripted misbehaviour of a simulated vendor API.
package enum SimulatorFault: Sendable {
    /// Answer with this status, headers and body instead of the real answer.
    case status(Int, headers: [(String, String)] = [], body: String = "")
    /// Answer 200 with a body that is not valid JSON.
    case malformedJSON(String)
    /// Wait this long before answering normally (for client timeouts).
    case stall(Duration)
}

/// A queue of faults applied, in order, to the requests whose path contains a given fragment.
package final class SimulatorFaultQueue: Sendable {
    private let queue = Mutex<[(pathFragment: String, passes: Int, fault: SimulatorFault)]>([])

    package init() {}

    /// Makes a request whose path contains `pathFragment` answer with `fault`: the first one after
    /// `passing` such requests have been answered normally.
    package func inject(_ fault: SimulatorFault, whenPathContains pathFragment: String = "", passing: Int = 0) {
        queue.withLock { $0.append((pathFragment, passing, fault)) }
    }

    /// The fault for this request, removed from the queue; nil when none applies.
    func take(path: String) -> SimulatorFault? {
        queue.withLock { queue in
            guard let index = queue.firstIndex(where: { $0.pathFragment.isEmpty || path.contains($0.pathFragment) }) else {
                return nil
            }
            if queue[index].passes > 0 {
                queue[index].passes -= 1
                return nil
            }
            return queue.remove(at: index).fault
        }
    }

    /// Applies the fault for `request`, if any: returns the response to send instead, or nil to answer normally.
    func apply(to request: HTTPRequest) async -> HTTPResponse? {
        switch take(path: request.path) {
        case nil:
            return nil
        case .status(let code, let headers, let body):
            return HTTPResponse(
                status: HTTPStatus(code: code), headers: HTTPHeaders(headers + [("Content-Type", "application/json")]),
                body: Data(body.utf8))
        case .malformedJSON(let text):
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Data(text.utf8))
        case .stall(let duration):
            try? await Task.sleep(for: duration)
            return nil
        }
    }
}
