// MHDRequestLayout: finds NUL bytes hidden in a request head that MHD 0.9.75 parsed (it keeps them
// and truncates the field at the NUL), by checking MHD's in-place layout of the head.

/// Where MHD 0.9.75 put the parts of a request head, all inside its read buffer.
///
/// MHD parses in place: it turns each separator into NUL (the space after the method and before
/// the version, the colon, and every CR/LF), skips spaces, and hands out pointers into the buffer
/// whose lengths come from `strlen`. A NUL the client sent therefore silently shortens the method,
/// target, version or a header value, and the rest of the field sits unseen in the buffer. So the
/// bytes *between* the fields must be exactly the separators MHD wrote; anything else is hidden
/// content after a client's NUL (or a folded header MHD moved elsewhere, which RFC 9112 §5.2 lets us
/// reject too). Requests failing the check get 400.
///
/// Limit: NUL bytes placed directly before a line's CR/LF cannot be told apart from the NULs MHD
/// writes over CR/LF. They are harmless: the value MHD reports is exactly the bytes before them.
struct MHDRequestLayout {
    struct Field {
        let key: UnsafeRawPointer
        let keyCount: Int
        let value: UnsafeRawPointer?
        let valueCount: Int
    }

    /// Start of the head: MHD's `method` pointer.
    let method: UnsafeRawPointer
    /// The request target as MHD first saw it (URI log callback) and its `strlen`.
    let target: UnsafeRawPointer?
    let targetCount: Int
    /// MHD's `version` pointer.
    let version: UnsafeRawPointer
    /// Header fields in arrival order.
    let fields: [Field]
    /// `MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE`: bytes from `method` through the blank line.
    let headSize: Int

    /// True if the head holds bytes MHD did not account for (a client NUL), or the layout is not
    /// the one expected.
    var hasHiddenBytes: Bool {
        guard headSize > 0, let target else { return true }
        let end = method + headSize
        func inHead(_ pointer: UnsafeRawPointer) -> Bool { pointer >= method && pointer <= end }
        func all(_ from: UnsafeRawPointer, _ to: UnsafeRawPointer, _ allowed: (UInt8) -> Bool) -> Bool {
            guard from <= to, inHead(from), inHead(to) else { return false }
            var cursor = from
            while cursor < to {
                if !allowed(cursor.load(as: UInt8.self)) { return false }
                cursor += 1
            }
            return true
        }
        let zero: (UInt8) -> Bool = { $0 == 0 }
        // Method, then NUL and optional spaces up to the target.
        let methodEnd = method + strlen(method, limit: end)
        guard methodEnd < target, all(methodEnd, target, { $0 == 0 || $0 == UInt8(ascii: " ") }) else { return true }
        // The target ends at the NUL MHD wrote over the space before the version.
        guard target + targetCount + 1 == version else { return true }
        // Version, then line terminators, then each field.
        guard inHead(version) else { return true }
        var cursor = version + strlen(version, limit: end)
        for field in fields {
            guard let value = field.value else { return true }
            guard all(cursor, field.key, zero) else { return true }
            let keyEnd = field.key + field.keyCount
            guard keyEnd < value, inHead(value + field.valueCount) else { return true }
            // The colon became NUL; MHD skipped spaces and tabs before the value.
            guard keyEnd.load(as: UInt8.self) == 0,
                all(keyEnd + 1, value, { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            else { return true }
            cursor = value + field.valueCount
        }
        return !all(cursor, end, zero)
    }

    private func strlen(_ pointer: UnsafeRawPointer, limit: UnsafeRawPointer) -> Int {
        var count = 0
        while pointer + count < limit, (pointer + count).load(as: UInt8.self) != 0 { count += 1 }
        return count
    }
}
