// PollSchedule: jittered intervals, doubling back-off with a cap, Retry-After honoured within a cap.
import RiposteIngest
import Testing

@Suite("Poll schedule")
struct PollScheduleTests {
    let schedule = PollSchedule(
        interval: .seconds(60), jitter: 0.1, initialBackoff: .seconds(5), maxBackoff: .seconds(40), maxRetryAfter: .seconds(600))

    @Test("A success waits the interval, spread by the jitter")
    func success() {
        #expect(schedule.delayAfterSuccess(random: 0.5) == .seconds(60))
        #expect(schedule.delayAfterSuccess(random: 0) == .seconds(54))
        #expect(schedule.delayAfterSuccess(random: 1) == .seconds(66))
    }

    @Test("Failures back off by doubling up to the cap")
    func backoff() {
        let delays = (1...6).map { schedule.delayAfterFailure(failures: $0, retryAfter: nil, random: 0.5) }
        #expect(delays == [.seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(40), .seconds(40)])
    }

    @Test("A Retry-After longer than the back-off wins, up to its own cap")
    func retryAfter() {
        #expect(schedule.delayAfterFailure(failures: 1, retryAfter: .seconds(120), random: 0.5) == .seconds(120))
        #expect(schedule.delayAfterFailure(failures: 4, retryAfter: .seconds(1), random: 0.5) == .seconds(40))
        #expect(schedule.delayAfterFailure(failures: 1, retryAfter: .seconds(86_400), random: 0.5) == .seconds(600))
    }

    @Test("Jitter is clamped to half the interval")
    func jitterClamp() {
        let wild = PollSchedule(interval: .seconds(10), jitter: 5)
        #expect(wild.jitter == 0.5)
        #expect(wild.delayAfterSuccess(random: 0) == .seconds(5))
    }
}
