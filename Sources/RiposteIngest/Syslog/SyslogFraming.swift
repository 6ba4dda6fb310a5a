// Streaming framer for syslog over TCP (RFC 6587): octet counting and LF/NUL-terminated frames, detected per frame.

/// Cuts a TCP byte stream into syslog messages. Pure: the listener feeds it chunks as they arrive and gets back
/// every frame completed so far; nothing is lost between chunks, whatever the boundaries.
///
/// Each frame's method is detected from its first byte (RFC 6587 section 3.4):
/// - a digit 1–9 starts **octet counting**, `MSG-LEN SP SYSLOG-MSG` (`123 <34>1 …`); the frame is exactly
///   MSG-LEN bytes, which may contain LFs;
/// - anything else is **non-transparent framing**: the frame ends at LF (a CR before it is dropped) or NUL.
///
/// If the digits of a would-be length are not followed by a space (`2024-01-01 …`, more than 10 digits, a
/// leading zero), the frame is taken as LF-terminated from its first byte. Empty frames are skipped.
///
/// Frames longer than `maxFrameBytes` are never cut silently: an octet-counted one is reported as
/// ``Frame/oversized(byteCount:method:offset:)`` as soon as its length is read, and its bytes are skipped; an
/// LF-terminated one is dropped up to its terminator and reported then, with the number of bytes dropped
/// (a CR before the LF included).
package struct SyslogFraming: Sendable {
    /// How a frame was delimited.
    package enum Method: Hashable, Sendable {
        case octetCounting, nonTransparent
    }

    /// What the framer found.
    package enum Frame: Hashable, Sendable {
        /// A complete message, without its length prefix or terminator.
        case message([UInt8], Method)
        /// A frame over the limit, skipped: its size and where it began in the stream.
        case oversized(byteCount: Int, method: Method, offset: Int)
        /// The stream ended inside an octet-counted frame: the announced size and how many bytes came.
        case truncated(expected: Int, received: Int, offset: Int)
    }

    private enum State: Sendable {
        case boundary
        case length(value: Int, digits: Int)
        case octets(remaining: Int, total: Int)
        case skipOctets(remaining: Int)
        case line
        case skipLine(dropped: Int)
    }

    /// The largest message accepted, in bytes.
    package let maxFrameBytes: Int
    private var state = State.boundary
    private var buffer: [UInt8] = []
    /// Bytes consumed before the current chunk, and where the current frame began.
    private var consumed = 0
    private var frameStart = 0

    package init(maxFrameBytes: Int = 64 * 1024) {
        self.maxFrameBytes = max(1, maxFrameBytes)
    }

    /// Feeds the next bytes of the stream; returns the frames they complete, in order.
    package mutating func append(_ chunk: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        chunk.withUnsafeBufferPointer { bytes in consume(bytes, into: &frames) }
        consumed += chunk.count
        return frames
    }

    /// Ends the stream: a pending LF-less frame is delivered, a partial octet-counted one reported as truncated.
    package mutating func finish() -> [Frame] {
        defer {
            state = .boundary
            buffer.removeAll()
        }
        switch state {
        case .boundary, .skipOctets: return []
        case .length, .line: return buffer.isEmpty ? [] : [.message(buffer, .nonTransparent)]
        case .octets(let remaining, let total):
            return [.truncated(expected: total, received: total - remaining, offset: frameStart)]
        case .skipLine(let dropped):
            return [.oversized(byteCount: dropped, method: .nonTransparent, offset: frameStart)]
        }
    }

    private mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, into frames: inout [Frame]) {
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .boundary:
                let byte = bytes[index]
                frameStart = consumed + index
                if byte == 0x0A || byte == 0x00 {
                    index += 1
                } else if byte &- 0x31 < 9 {
                    state = .length(value: Int(byte &- 0x30), digits: 1)
                    buffer.append(byte)
                    index += 1
                } else {
                    state = .line
                }
            case .length(let value, let digits):
                let byte = bytes[index]
                if byte &- 0x30 < 10, digits < 10 {
                    state = .length(value: value * 10 + Int(byte &- 0x30), digits: digits + 1)
                    buffer.append(byte)
                    index += 1
                } else if byte == 0x20 {
                    index += 1
                    buffer.removeAll(keepingCapacity: true)
                    if value > maxFrameBytes {
                        frames.append(.oversized(byteCount: value, method: .octetCounting, offset: frameStart))
                        state = .skipOctets(remaining: value)
                    } else {
                        buffer.reserveCapacity(value)
                        state = .octets(remaining: value, total: value)
                    }
                } else {
                    state = .line
                }
            case .octets(let remaining, let total):
                let take = min(remaining, count - index)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                if take == remaining {
                    frames.append(.message(buffer, .octetCounting))
                    buffer.removeAll(keepingCapacity: true)
                    state = .boundary
                } else {
                    state = .octets(remaining: remaining - take, total: total)
                }
            case .skipOctets(let remaining):
                let take = min(remaining, count - index)
                index += take
                state = take == remaining ? .boundary : .skipOctets(remaining: remaining - take)
            case .line:
                var end = index
                while end < count, bytes[end] != 0x0A, bytes[end] != 0x00 { end += 1 }
                if buffer.count + (end - index) > maxFrameBytes + 1 {
                    // +1: a CR before the LF is not part of the message.
                    state = .skipLine(dropped: buffer.count)
                    buffer.removeAll(keepingCapacity: true)
                    continue
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                index = end
                guard end < count else { break }
                index += 1
                if buffer.last == 0x0D { buffer.removeLast() }
                if buffer.count > maxFrameBytes {
                    frames.append(.oversized(byteCount: buffer.count, method: .nonTransparent, offset: frameStart))
                } else if !buffer.isEmpty {
                    frames.append(.message(buffer, .nonTransparent))
                }
                buffer.removeAll(keepingCapacity: true)
                state = .boundary
            case .skipLine(let dropped):
                var end = index
                while end < count, bytes[end] != 0x0A, bytes[end] != 0x00 { end += 1 }
                let total = dropped + (end - index)
                index = end
                if end < count {
                    index += 1
                    frames.append(.oversized(byteCount: total, method: .nonTransparent, offset: frameStart))
                    state = .boundary
                } else {
                    state = .skipLine(dropped: total)
                }
            }
        }
    }
}
