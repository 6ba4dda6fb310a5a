// Swift-callable wrappers for libmicrohttpd's variadic entry points and its union-returning info calls.
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <microhttpd.h>

/// Starts a daemon with our fixed callbacks plus an `MHD_OPTION_END`-terminated options array.
/// The callbacks are passed here rather than in the array because MHD stores two-pointer options
/// (function + closure) in `MHD_OptionItem.value`, which Swift cannot fill with a function pointer
/// without an unsafe bit cast.
static inline struct MHD_Daemon *riposte_mhd_start(
    unsigned int flags, uint16_t port,
    MHD_AccessHandlerCallback handler,
    MHD_RequestCompletedCallback completed,
    void *(*uri_log)(void *cls, const char *uri, struct MHD_Connection *connection),
    MHD_LogCallback logger,
    void *context,
    struct MHD_OptionItem *options) {
    // The logger goes first so that MHD reports problems with the later options through it.
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context,
                            MHD_OPTION_EXTERNAL_LOGGER, logger, context,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, context,
                            MHD_OPTION_URI_LOG_CALLBACK, uri_log, context,
                            MHD_OPTION_ARRAY, options,
                            MHD_OPTION_END);
}

/// The port the daemon listens on (useful after binding port 0), or 0 if unknown.
static inline uint16_t riposte_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// Bytes of the request line plus headers (through the blank line), or 0 before they are parsed.
static inline size_t riposte_mhd_header_size(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return info == NULL ? 0 : info->header_size;
}

/// Writes the client's IP address (no port) into `buffer` as text; returns its length, or 0.
static inline size_t riposte_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t size) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL || size == 0) return 0;
    const struct sockaddr *address = info->client_addr;
    const char *text = NULL;
    if (address->sa_family == AF_INET) {
        text = inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, buffer, (socklen_t)size);
    } else if (address->sa_family == AF_INET6) {
        text = inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, buffer, (socklen_t)size);
    }
    if (text == NULL) return 0;
    size_t length = 0;
    while (length < size && buffer[length] != 0) length++;
    return length;
}

/// Formats an MHD log message (printf format + va_list) into `buffer`.
static inline int riposte_format_log(char *buffer, size_t size, const char *format, va_list arguments) {
    return vsnprintf(buffer, size, format, arguments);
}
