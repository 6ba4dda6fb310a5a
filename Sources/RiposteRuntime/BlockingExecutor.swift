// A small fixed pool of dedicated threads for blocking C calls (sqlite3_step, argon2id), so that they
// never occupy a thread of the Swift cooperative pool.
import Foundation
import Glibc
import RiposteCore

/// Runs blocking closures on its own threads and resumes the awaiting task when each finishes.
///
/// With one thread it is a serial queue: closures run one at a time in submission order, which is
/// how the SQLite writer serialises. `shutdown()` lets queued work finish, then stops the threads;
/// later calls to `run` throw `.unavailable`.
package final class BlockingExecutor: Sendable {
    private let queue: WorkQueue
    package let threadCount: Int

    /// Starts `threadCount` threads named `name-0`, `name-1`, … (Linux shows the first 15 bytes).
    package init(threadCount: Int, name: String) {
        precondition(threadCount > 0, "a BlockingExecutor needs at least one thread")
        self.threadCount = threadCount
        let queue = WorkQueue(threadCount: threadCount)
        self.queue = queue
        for index in 0..<threadCount {
            let threadName = "\(name)-\(index)"
            let thread = Thread {
                // Named from inside: Linux threads otherwise keep the name of the thread that made them.
                Thread.current.name = threadName
                queue.workerLoop()
            }
            thread.start()
        }
    }

    /// Runs `body` on one of the executor's threads and returns its result.
    ///
    /// Cancelling the awaiting task does not stop `body`; callers that can interrupt their C call
    /// (`sqlite3_interrupt`) do so from a cancellation handler.
    /// - Throws: what `body` throws; `.unavailable` after `shutdown()`.
    package func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = queue.enqueue {
                continuation.resume(with: Result { try body() })
            }
            if !accepted {
                continuation.resume(throwing: RiposteError(.unavailable, "the executor is shut down"))
            }
        }
    }

    /// Queues `job` without waiting for it; false (and the job dropped) after `shutdown()`.
    /// For callers that resume their own continuations, such as the SQLite writer's group commit.
    package func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        queue.enqueue(job)
    }

    /// Stops accepting work, lets queued closures finish, and returns when every thread has exited.
    package func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.shutdown { continuation.resume() }
        }
    }
}

/// The job queue shared by an executor's threads: a pthread mutex and condition variable guarding
/// a FIFO of closures.
///
/// `@unchecked Sendable` because it wraps C synchronisation handles: every read and write of
/// `jobs`, `head`, `isShuttingDown`, `running` and `onStopped` happens between
/// `pthread_mutex_lock(mutex)` and `pthread_mutex_unlock(mutex)`, so that lock is the
/// happens-before edge between the submitting thread and the worker that runs the job.
private final class WorkQueue: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job?] = []
    private var head = 0
    private var isShuttingDown = false
    private var running: Int
    private var onStopped: [@Sendable () -> Void] = []

    init(threadCount: Int) {
        running = threadCount
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Adds a job; false when shutting down (the job is dropped).
    func enqueue(_ job: @escaping Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !isShuttingDown else { return false }
        jobs.append(job)
        pthread_cond_signal(condition)
        return true
    }

    func shutdown(_ stopped: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        isShuttingDown = true
        let alreadyStopped = running == 0
        if !alreadyStopped { onStopped.append(stopped) }
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        if alreadyStopped { stopped() }
    }

    /// The body of each worker thread: take jobs until shut down and drained.
    func workerLoop() {
        while let job = next() { job() }
        pthread_mutex_lock(mutex)
        running -= 1
        let callbacks = running == 0 ? onStopped : []
        if running == 0 { onStopped = [] }
        pthread_mutex_unlock(mutex)
        for callback in callbacks { callback() }
    }

    private func next() -> Job? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == jobs.count {
            if isShuttingDown { return nil }
            pthread_cond_wait(condition, mutex)
        }
        let job = jobs[head]
        jobs[head] = nil
        head += 1
        // Compact once the consumed prefix dominates, so the array does not grow forever.
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }
}
