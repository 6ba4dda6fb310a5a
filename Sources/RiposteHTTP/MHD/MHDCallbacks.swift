// MHDCallbacks: the @convention(c) entry points MHD calls; each recovers its Swift object from a
// context pointer (Unmanaged) and forwards to MHDServer / MHDExchange.

import CMicroHTTPD
import Foundation

/// C callbacks cannot capture, so every one receives its Swift object through a `void *`:
/// the daemon-wide `MHDServer` (retained by `MHDServer.start()`, released after `MHD_stop_daemon`)
/// or a request's `MHDExchange` (retained in `con_cls` or as a content reader's closure).
enum MHDCallbacks {
    /// `MHD_OPTION_URI_LOG_CALLBACK`: the first callback for every request, before MHD unescapes the
    /// URI. Its return value becomes `con_cls`, so the exchange exists for every later callback and
    /// the completion callback always sees it.
    static let uriLog:
        @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?)
            -> UnsafeMutableRawPointer? = { context, uri, connection in
                guard let context, let connection else { return nil }
                let server = Unmanaged<MHDServer>.fromOpaque(context).takeUnretainedValue()
                let exchange = server.begin(connection: connection, rawTarget: uri)
                return Unmanaged.passRetained(exchange).toOpaque()
            }

    /// `MHD_AccessHandlerCallback`.
    static let accessHandler: MHD_AccessHandlerCallback = {
        context, connection, _, method, version, upload, uploadSize, requestContext in
        guard let context, let connection, let method, let version, let uploadSize, let requestContext,
            let raw = requestContext.pointee
        else { return .NO }
        let server = Unmanaged<MHDServer>.fromOpaque(context).takeUnretainedValue()
        let exchange = Unmanaged<MHDExchange>.fromOpaque(raw).takeUnretainedValue()
        return server.access(
            exchange, connection: connection, method: method, version: version, upload: upload, uploadSize: uploadSize)
    }

    /// `MHD_OPTION_NOTIFY_COMPLETED`: releases the exchange's `con_cls` retain.
    static let requestCompleted: MHD_RequestCompletedCallback = { context, _, requestContext, _ in
        guard let context, let requestContext, let raw = requestContext.pointee else { return }
        requestContext.pointee = nil
        let server = Unmanaged<MHDServer>.fromOpaque(context).takeUnretainedValue()
        let exchange = Unmanaged<MHDExchange>.fromOpaque(raw).takeRetainedValue()
        server.complete(exchange)
    }

    /// `MHD_OPTION_EXTERNAL_LOGGER`.
    static let logger: MHD_LogCallback = { context, format, arguments in
        guard let context, let format, let arguments else { return }
        let server = Unmanaged<MHDServer>.fromOpaque(context).takeUnretainedValue()
        let message = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            let written = riposte_format_log(buffer.baseAddress, 512, format, arguments)
            let count = max(0, min(Int(written), 511))
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
        }
        server.log(message.trimmingCharacters(in: .newlines))
    }

    /// `MHD_KeyValueIteratorN` over request headers; the closure is an `MHDHeaderCollector`.
    static let headerIterator: MHD_KeyValueIteratorN = { collector, _, key, keySize, value, valueSize in
        guard let collector, let key else { return .YES }
        let collected = collector.assumingMemoryBound(to: MHDHeaderCollector.self)
        let name = UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self)
        let valueBytes = value.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }
        collected.pointee.add(
            name: UnsafeBufferPointer(start: name, count: keySize),
            value: UnsafeBufferPointer(start: valueBytes, count: valueBytes == nil ? 0 : valueSize))
        collected.pointee.layout.append(
            MHDRequestLayout.Field(
                key: UnsafeRawPointer(key), keyCount: keySize, value: value.map(UnsafeRawPointer.init),
                valueCount: valueSize))
        return .YES
    }

    /// `MHD_ContentReaderCallback` for streaming bodies; the closure is the exchange.
    static let contentReader: MHD_ContentReaderCallback = { exchange, _, buffer, max in
        guard let exchange, let buffer else { return MHDConstants.endWithError }
        return Unmanaged<MHDExchange>.fromOpaque(exchange).takeUnretainedValue().read(into: buffer, max: max)
    }

    /// `MHD_ContentReaderFreeCallback`: releases the stream's retain on the exchange.
    static let contentReaderFree: MHD_ContentReaderFreeCallback = { exchange in
        guard let exchange else { return }
        Unmanaged<MHDExchange>.fromOpaque(exchange).release()
    }
}
