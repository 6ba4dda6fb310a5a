// HTTPServerError: why the server could not start.

/// A failure to start the server. `description` is safe to print.
package struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    package enum Code: String, Sendable, Equatable {
        /// TLS was configured but the installed libmicrohttpd was built without it.
        case tlsUnsupported = "tls_unsupported"
        /// A TLS certificate or key file is missing, unreadable or not PEM.
        case tlsFileUnreadable = "tls_file_unreadable"
        /// The configured host is not an IP literal (or `localhost`).
        case invalidAddress = "invalid_address"
        /// A configuration value is out of range.
        case invalidConfiguration = "invalid_configuration"
        /// MHD refused to start (port in use, bad certificate, …); the message carries MHD's reason.
        case startFailed = "start_failed"
        /// `start()` was called after `shutdown()`.
        case shutDown = "shut_down"
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code.rawValue): \(message)" }
}
