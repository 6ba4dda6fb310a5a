// Plain lists: one indicator per line (Spamhaus DROP, OpenPhish domains, hash lists), type detected per line.

/// Parses a plain list. Blank lines and comment lines (`#`, `;`, `//`) are skipped; the value is the
/// first blank-separated token, and anything after it must be a comment (`1.10.16.0/20 ; SBL256894`).
/// Each value's type is detected by `IndicatorClassifier`; defanged values are refanged.
package enum PlaintextIndicatorParser {
    /// - Throws: `RiposteError(.invalid)` when the input is not UTF-8 (naming the byte offset);
    ///   `RiposteError(.tooLarge)` when it breaks `options.limits`. Bad lines are reported in the result.
    package static func parse(_ input: some Collection<UInt8>, options: IndicatorImportOptions) throws
        -> IndicatorParseResult
    {
        let bytes = try IndicatorInput.validated(input, limits: options.limits)
        var collector = IndicatorParseCollector(options: options)
        IndicatorInput.forEachLine(bytes) { number, line in
            let text = String(decoding: line, as: UTF8.self).strippingWhitespace()
            guard !text.isEmpty, !isComment(text) else {
                collector.skipLine()
                return
            }
            let valueEnd = text.firstIndex { $0 == " " || $0 == "\t" } ?? text.endIndex
            let trailing = text[valueEnd...].strippingWhitespace()
            guard trailing.isEmpty || isComment(trailing) else {
                collector.reject(
                    line: number, "unexpected text after the value: \(IndicatorClassifier.quoted(trailing))")
                return
            }
            do throws(UnrecognizedIndicator) {
                collector.accept(try IndicatorClassifier.classify(text[..<valueEnd]))
            } catch {
                collector.reject(line: number, error.reason)
            }
        }
        return collector.result
    }

    private static func isComment(_ text: Substring) -> Bool {
        text.hasPrefix("#") || text.hasPrefix(";") || text.hasPrefix("//")
    }
}
