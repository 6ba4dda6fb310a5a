// CSV lists (abuse.ch Feodo Tracker, SSLBL, exports from other tools) mapped column by column to indicators.
import FoundationEssentials
import RiposteCore

/// Parses a CSV list with a `CSVMapping`. Rows that are blank or comments are skipped; each data row
/// gives one indicator or one rejected line with its reason.
package struct CSVIndicatorParser: Sendable {
    package let mapping: CSVMapping

    package init(mapping: CSVMapping) {
        self.mapping = mapping
    }

    /// - Throws: `RiposteError(.invalid)` when the input is not UTF-8 (naming the byte offset), its
    ///   header row lacks a named column, or the mapping cannot work (a delimiter that is not one ASCII
    ///   character other than a quote or line break, a negative column index, columns named without a
    ///   header row); `RiposteError(.tooLarge)` when the input breaks `options.limits`.
    package func parse(_ input: some Collection<UInt8>, options: IndicatorImportOptions) throws -> IndicatorParseResult {
        let delimiter = try validatedDelimiter()
        let bytes = try IndicatorInput.validated(input, limits: options.limits)
        var reader = CSVRecordReader(bytes, delimiter: delimiter, commentPrefix: Array(mapping.commentPrefix.utf8))
        var collector = IndicatorParseCollector(options: options)
        var columns = mapping.header == .absent ? try ResolvedColumns(mapping, header: nil, line: 0) : nil
        while let (line, record) = reader.next() {
            switch record {
            case .blank:
                collector.skipLine()
            case .comment(let content):
                collector.skipLine()
                if columns == nil, mapping.header == .commentOrFirstRow, !mapping.namedColumns.isEmpty,
                    let fields = CSVRecordReader.fields(of: content, delimiter: delimiter)
                {
                    columns = try? ResolvedColumns(mapping, header: fields, line: line)
                }
            case .malformed(let reason):
                guard columns != nil else { throw RiposteError.invalid("CSV header row (line \(line)): \(reason)") }
                collector.reject(line: line, reason)
            case .fields(let fields):
                guard let columns else {
                    columns = try ResolvedColumns(mapping, header: fields, line: line)
                    collector.skipLine()
                    continue
                }
                accept(fields, line: line, columns: columns, into: &collector)
            }
        }
        return collector.result
    }

    /// The delimiter byte, after checking the rest of the mapping too.
    private func validatedDelimiter() throws -> UInt8 {
        let value = mapping.delimiter.value
        guard value < 0x80, value != 0x22, value != 0x0A, value != 0x0D else {
            throw RiposteError.invalid("CSV delimiter must be one ASCII character other than a quote or line break")
        }
        let columns = [
            mapping.valueColumn, mapping.typeColumn, mapping.labelColumn, mapping.confidenceColumn,
            mapping.firstSeenColumn,
        ]
        if columns.contains(where: { if case .index(let index)? = $0 { index < 0 } else { false } }) {
            throw RiposteError.invalid("CSV column indexes start at 0")
        }
        if mapping.header == .absent, let name = mapping.namedColumns.first {
            throw RiposteError.invalid("CSV column '\(name)' is named, but the mapping says there is no header row")
        }
        guard !mapping.commentPrefix.contains(where: \.isNewline) else {
            throw RiposteError.invalid("CSV comment prefix must not contain a line break")
        }
        return UInt8(value)
    }

    private func accept(
        _ fields: [String], line: Int, columns: ResolvedColumns, into collector: inout IndicatorParseCollector
    ) {
        func field(_ index: Int?) -> Substring? {
            guard let index, index < fields.count else { return nil }
            let text = fields[index].strippingWhitespace()
            return text.isEmpty ? nil : text
        }
        guard columns.value < fields.count else {
            collector.reject(line: line, "no value in column \(columns.value) (the row has \(fields.count) fields)")
            return
        }
        // The type column first: a type Riposte does not know is the clearer reason, whatever the value looks like.
        let typeText = field(columns.type)
        var allowed: Set<IndicatorType>?
        if let typeText {
            guard let types = IndicatorClassifier.types(named: typeText) else {
                collector.reject(line: line, "unknown indicator type \(IndicatorClassifier.quoted(typeText))")
                return
            }
            allowed = types
        }
        var valueText = Substring(fields[columns.value])
        if let typeText, IndicatorClassifier.namesAddressWithPort(typeText) {
            valueText = IndicatorClassifier.droppingPort(valueText)
        }
        let indicator: ClassifiedIndicator
        do throws(UnrecognizedIndicator) {
            indicator = try IndicatorClassifier.classify(valueText)
        } catch {
            collector.reject(line: line, error.reason)
            return
        }
        if let allowed, let typeText, !allowed.contains(indicator.type) {
            collector.reject(
                line: line,
                "\(IndicatorClassifier.quoted(indicator.value)) is \(indicator.type.nounWithArticle), "
                    + "but the type column says \(IndicatorClassifier.quoted(typeText))")
            return
        }
        let label = field(columns.label)
        if let label, label.count > 128 {
            collector.reject(line: line, "label is longer than 128 characters")
            return
        }
        var confidence: Int?
        if let text = field(columns.confidence) {
            guard let number = Int(text), (0...100).contains(number) else {
                collector.reject(
                    line: line, "confidence \(IndicatorClassifier.quoted(text)) is not a whole number 0–100")
                return
            }
            confidence = number
        }
        var firstSeen: Date?
        if let text = field(columns.firstSeen) {
            guard let date = FirstSeenText.date(text) else {
                collector.reject(line: line, "first-seen time \(IndicatorClassifier.quoted(text)) is not a date")
                return
            }
            firstSeen = date
        }
        collector.accept(indicator, label: label.map(String.init), confidence: confidence, firstSeen: firstSeen)
    }

    /// The mapping's columns as indexes into a row.
    private struct ResolvedColumns {
        var value: Int
        var type: Int?
        var label: Int?
        var confidence: Int?
        var firstSeen: Int?

        /// - Throws: `RiposteError(.invalid)` when `header` lacks a named column.
        init(_ mapping: CSVMapping, header: [String]?, line: Int) throws {
            let names = header?.map { $0.strippingWhitespace().lowercased() } ?? []
            func resolve(_ column: CSVMapping.Column?) throws -> Int? {
                switch column {
                case nil: return nil
                case .index(let index): return index
                case .name(let name):
                    guard let index = names.firstIndex(of: name.strippingWhitespace().lowercased()) else {
                        let found = header?.map { "'\($0)'" }.joined(separator: ", ") ?? ""
                        let listing = found.isEmpty ? "none" : found
                        throw RiposteError.invalid(
                            "CSV header (line \(line)) has no column '\(name)'; it has \(listing)")
                    }
                    return index
                }
            }
            value = try resolve(mapping.valueColumn) ?? 0
            type = try resolve(mapping.typeColumn)
            label = try resolve(mapping.labelColumn)
            confidence = try resolve(mapping.confidenceColumn)
            firstSeen = try resolve(mapping.firstSeenColumn)
        }
    }
}
