// Free-text observable extraction: IPs, URLs, emails, domains and hashes, found in linear time over UTF-8 bytes.

/// Finds observables in free text: alert titles, log messages, command lines, URLs, mail bodies.
///
/// The scan is linear in the input on any text (no regular expressions, no backtracking): one pass
/// finds hex runs for hashes, a second splits the text into words and URLs and classifies each word
/// once, a third decodes base64 runs that hold text and scans what they decode to. Results are in
/// ``ObservableNormalizer``'s canonical form, deduplicated, and returned in the order they first
/// appear (what a base64 run or a URL's path holds takes the run's or the URL's position).
///
/// What is recognised:
/// - **IPv4**: a dotted quad standing alone (`1.2.3.4`, `1.2.3.4:80`, both ends of
///   `10.0.0.0-10.255.255.255`); `1.2.3.4.5` and `256.1.1.1` are not.
/// - **IPv6**: text that parses as RFC 4291: eight groups, or `::` with at least two explicit groups
///   (`fe80::1`, and `::1`), so `::`, `12:30:45`, MAC addresses and `std::vector` are not addresses.
/// - **URLs**: `http`, `https`, `ftp`, `ftps`, and `ldap`, `ldaps`, `rmi` (JNDI lookups), plus the
///   defanged `hxxp`/`hxxps` and `[.]`, `(.)`, `[dot]`, `[:]`, `[://]`, and the single-slash
///   `http:/host`; the URL's host is reported after it, then the URLs and domains its
///   percent-decoded path and parameters carry (redirect targets; a bare domain there needs a `/`,
///   `%` or `:` after it, so the file at the end of a path is not one).
/// - **Emails**: `local@domain` (also `local [at] domain`) with a domain that passes the domain
///   rule; the domain is reported after it.
/// - **Domains**: at least two labels, the last one a real top-level domain (all two-letter
///   country codes, every generic one in the Public Suffix List, and any `xn--` IDN), so `file.exe`
///   and `index.php` are not domains. Generic TLDs that are field, method and file-type words
///   (`host.name`, `http.host`, `archive.zip`) count on a bare word only when it looks machine-made:
///   three labels, a digit or `-`, no `_`. File names whose extension is also a country code
///   (`notes.md`, `setup.py`) are indistinguishable from domains and are reported.
/// - **Hashes**: runs of exactly 32, 40 or 64 hex digits bounded by non-hex characters (MD5, SHA-1,
///   SHA-256); runs of digits only are ignored.
/// - **Encoded text**: runs of 16 or more base64 characters (wrapped lines of 40+ too) that decode
///   to ASCII, UTF-8 or UTF-16LE text (PowerShell `-EncodedCommand`, mail parts), two levels deep,
///   at most ``maximumDecodedRunBytes`` per run and ``maximumDecodedBytes`` per call; and
///   quoted-printable mail: soft line breaks (`=` at the end of a line of 40 to 76 columns) are
///   joined inside words and URLs, and `=3D`-style escapes are decoded in quoted-printable URLs.
public enum ObservableExtractor {
    /// The observables in `text`, deduplicated, in order of first appearance.
    public static func observables(in text: String) -> [ObservableDraft] {
        var text = text
        return text.withUTF8 { buffer in
            var scanner = Scanner(bytes: buffer, depth: 0, decodingBudget: maximumDecodedBytes)
            return scanner.run()
        }
    }

    /// The observables in UTF-8 `bytes`, deduplicated, in order of first appearance.
    public static func observables(inUTF8 bytes: [UInt8]) -> [ObservableDraft] {
        extraction(inUTF8: bytes).observables
    }

    /// The observables in `bytes` with what it took to find them: the benchmark prints these and
    /// the linearity tests bound `work` by the input's length.
    package static func extraction(inUTF8 bytes: [UInt8]) -> Extraction {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer, depth: 0, decodingBudget: maximumDecodedBytes)
            let observables = scanner.run()
            return Extraction(
                observables: observables, work: scanner.work, decodedRuns: scanner.decodedRuns,
                decodedBytes: maximumDecodedBytes - scanner.decodingBudget)
        }
    }

    /// One extraction and its cost.
    package struct Extraction: Sendable {
        package var observables: [ObservableDraft]
        /// Bytes read, counting every re-read: each pass over the text, each word classified, each
        /// URL body copied and checked, each base64 run tried and decoded, and all of it again for
        /// decoded text. Linear time means `work` stays below a constant times the input length.
        package var work: Int
        /// Base64 runs that decoded to text and were scanned.
        package var decodedRuns: Int
        /// Bytes those runs decoded to.
        package var decodedBytes: Int
    }

    /// Decoded bytes one call scans at most, over all base64 runs and nesting levels; runs beyond
    /// it are left encoded. 8 MiB keeps a hostile payload's memory bounded.
    package static let maximumDecodedBytes = 8 << 20
    /// Decoded bytes one base64 run gives at most; the rest of a longer run is not decoded.
    package static let maximumDecodedRunBytes = 1 << 20
    /// Base64 inside base64 is decoded (PowerShell loaders nest `FromBase64String`), twice at most.
    static let maximumDepth = 2

    /// True when `label` (without dots, any case) is a top-level domain the extractor accepts.
    public static func isKnownTopLevelDomain(_ label: some StringProtocol) -> Bool {
        let bytes = Array(label.utf8)
        return isKnownTLD(bytes[...])
    }

    // MARK: - Scanner

    private struct Candidate {
        var position: Int
        var draft: ObservableDraft
    }

    /// One scan. Words are read in place and copied only when they contain a defanged separator;
    /// values the scanner validated byte by byte (IPs, domains, emails, hashes) are built in
    /// canonical form directly, with the same rules as ``ObservableNormalizer``; URLs go through it.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        /// 0 for the caller's text, 1 for text decoded from it, 2 for text decoded from that.
        let depth: Int
        /// Decoded bytes this scan and the ones it nests may still produce.
        var decodingBudget: Int
        /// True when scanning the decoded path of a URL (see ``findEmbedded(in:after:position:)``).
        let embedded: Bool
        var candidates: [Candidate] = []
        var work = 0
        var decodedRuns = 0

        init(bytes: UnsafeBufferPointer<UInt8>, depth: Int, decodingBudget: Int, embedded: Bool = false) {
            self.bytes = bytes
            self.depth = depth
            self.decodingBudget = decodingBudget
            self.embedded = embedded
        }

        mutating func run() -> [ObservableDraft] {
            let found = collect()
            var result: [ObservableDraft] = []
            // Most texts hold a few values, for which comparing is cheaper than building a set.
            guard found.count > 16 else {
                for candidate in found where !result.contains(candidate.draft) { result.append(candidate.draft) }
                return result
            }
            var seen = Set<ObservableDraft>(minimumCapacity: found.count)
            for candidate in found where seen.insert(candidate.draft).inserted { result.append(candidate.draft) }
            return result
        }

        /// Every candidate in text order, duplicates included. Each pass yields candidates in text
        /// order; merging them (hashes first, then words, then decoded text, on equal positions)
        /// keeps first-appearance order without sorting.
        mutating func collect() -> [Candidate] {
            findHashes()
            let hashes = candidates
            candidates = []
            findWords()
            let words = candidates
            candidates = []
            if depth < ObservableExtractor.maximumDepth { findBase64() }
            let decoded = candidates
            candidates = []
            var merged: [Candidate] = []
            merged.reserveCapacity(hashes.count + words.count + decoded.count)
            var hashIndex = 0
            var wordIndex = 0
            var decodedIndex = 0
            while hashIndex < hashes.count || wordIndex < words.count || decodedIndex < decoded.count {
                let hash = hashIndex < hashes.count ? hashes[hashIndex].position : Int.max
                let word = wordIndex < words.count ? words[wordIndex].position : Int.max
                let run = decodedIndex < decoded.count ? decoded[decodedIndex].position : Int.max
                if hash <= word && hash <= run {
                    merged.append(hashes[hashIndex])
                    hashIndex += 1
                } else if word <= run {
                    merged.append(words[wordIndex])
                    wordIndex += 1
                } else {
                    merged.append(decoded[decodedIndex])
                    decodedIndex += 1
                }
            }
            return merged
        }

        /// Adds a value the scanner has validated: its ASCII-lowercased text is the canonical form.
        mutating func addLowercased(_ type: ObservableType, _ text: Slice<UnsafeBufferPointer<UInt8>>, at position: Int) {
            let value = String(unsafeUninitializedCapacity: text.count) { buffer in
                for (offset, byte) in text.enumerated() { buffer[offset] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
                return text.count
            }
            candidates.append(Candidate(position: position, draft: ObservableDraft(type: type, normalizedValue: value)))
        }

        // MARK: Hashes

        /// Maximal hex runs of length 32, 40 or 64.
        mutating func findHashes() {
            byteClasses.withUnsafeBufferPointer { findHashes(classes: $0) }
        }

        mutating func findHashes(classes: UnsafeBufferPointer<UInt8>) {
            let bytes = self.bytes
            let count = bytes.count
            work += count
            let shortest = 32
            var index = 0
            while index < count {
                // No hex run goes on from before `index`. A hash needs `shortest` hex digits: when the last of them
                // would not be one, no hash starts before it, so skip past it (most text has no long hex runs).
                if index + shortest <= count, classes[Int(bytes[index + shortest - 1])] & ByteClass.hex == 0 {
                    index += shortest
                    continue
                }
                guard classes[Int(bytes[index])] & ByteClass.hex != 0 else {
                    index += 1
                    continue
                }
                let start = index
                var letters = 0
                while index < count {
                    let flags = classes[Int(bytes[index])]
                    guard flags & ByteClass.hex != 0 else { break }
                    letters &+= Int(flags & ByteClass.letter)
                    index += 1
                }
                if letters > 0, let type = hashType(length: index - start) {
                    addLowercased(type, bytes[start..<index], at: start)
                }
            }
        }

        func hashType(length: Int) -> ObservableType? {
            switch length {
            case 32: .md5
            case 40: .sha1
            case 64: .sha256
            default: nil
            }
        }

        // MARK: Base64

        /// Decodes runs of the base64 alphabet that hold text and scans that text; its candidates
        /// take the run's position. A run may span lines when each full line is at least 40
        /// characters, a multiple of four and unpadded (MIME bodies wrap at 76, PEM at 64).
        mutating func findBase64() {
            byteClasses.withUnsafeBufferPointer { findBase64(classes: $0) }
        }

        mutating func findBase64(classes: UnsafeBufferPointer<UInt8>) {
            let bytes = self.bytes
            let count = bytes.count
            work += count
            var characters: [UInt8] = []
            let shortest = Base64Text.minimumLength
            var index = 0
            while index < count {
                // As for hashes: no run goes on from before `index`, and none shorter than `shortest` is decoded.
                if index + shortest <= count, classes[Int(bytes[index + shortest - 1])] & ByteClass.base64 == 0 {
                    index += shortest
                    continue
                }
                guard classes[Int(bytes[index])] & ByteClass.base64 != 0 else {
                    index += 1
                    continue
                }
                let start = index
                while index < count, classes[Int(bytes[index])] & ByteClass.base64 != 0 { index += 1 }
                guard index - start >= Base64Text.minimumLength, decodingBudget > 0 else { continue }
                let head = bytes[start..<min(index, start + Base64Text.headLength)]
                work += 4 * head.count
                guard let (offset, encoding) = Base64Text.alignment(of: UnsafeBufferPointer(rebasing: head)) else { continue }

                // The run's characters, line by line, up to what the run and the call may decode.
                let limit = min(ObservableExtractor.maximumDecodedRunBytes, decodingBudget) / 3 * 4 + offset
                characters.removeAll(keepingCapacity: true)
                var lineStart = start
                while true {
                    let lineLength = index - lineStart
                    characters.append(contentsOf: bytes[lineStart..<(lineStart + min(lineLength, limit - characters.count))])
                    guard lineLength >= 40, lineLength % 4 == 0, index < count, characters.count < limit else { break }
                    var next = index
                    if bytes[next] == UInt8(ascii: "\r") { next += 1 }
                    guard next + 1 < count, bytes[next] == UInt8(ascii: "\n"),
                        classes[Int(bytes[next + 1])] & ByteClass.base64 != 0
                    else { break }
                    lineStart = next + 1
                    index = lineStart
                    while index < count, classes[Int(bytes[index])] & ByteClass.base64 != 0 { index += 1 }
                }
                work += 2 * characters.count
                let decoded = Base64Text.decode(characters[offset...])
                guard decoded.withUnsafeBufferPointer({ Base64Text.encoding(of: $0) }) == encoding else { continue }
                let text = Base64Text.scannable(decoded, encoding: encoding)
                decodingBudget -= decoded.count
                decodedRuns += 1
                let (found, nestedWork, nestedRuns, budget) = text.withUnsafeBufferPointer { buffer in
                    var nested = Scanner(bytes: buffer, depth: depth + 1, decodingBudget: decodingBudget)
                    let found = nested.collect()
                    return (found, nested.work, nested.decodedRuns, nested.decodingBudget)
                }
                work += nestedWork
                decodedRuns += nestedRuns
                decodingBudget = budget
                for candidate in found { candidates.append(Candidate(position: start, draft: candidate.draft)) }
            }
        }

        // MARK: Words and URLs

        /// Splits the text into words (letters, digits, `.-_@:+` and defanged separators) and URLs.
        mutating func findWords() {
            byteClasses.withUnsafeBufferPointer { findWords(classes: $0) }
        }

        /// The word loop, with the byte-class table at hand and the text in a local so both stay in registers.
        mutating func findWords(classes: UnsafeBufferPointer<UInt8>) {
            let bytes = self.bytes
            var copy: [UInt8] = []  // the word, only once it holds a refanged separator
            var index = 0
            let count = bytes.count
            work += count
            while index < count {
                guard classes[Int(bytes[index])] & ByteClass.word != 0 else {
                    index += 1
                    continue
                }
                let start = index
                var copying = false
                copy.removeAll(keepingCapacity: true)
                var interesting = false  // contains '.', '@' or ':'
                var url = false
                while index < count {
                    if !copying {
                        // Plain bytes are most of any word: a tight loop that only notes whether one was special.
                        var seen: UInt8 = 0
                        while index < count {
                            let flags = classes[Int(bytes[index])]
                            guard flags & ByteClass.plain != 0 else { break }
                            seen |= flags
                            index += 1
                        }
                        if seen & ByteClass.special != 0 { interesting = true }
                        guard index < count else { break }
                    }
                    let byte = bytes[index]
                    let flags = classes[Int(byte)]
                    if flags & ByteClass.plain != 0 {
                        copy.append(byte)
                        if flags & ByteClass.special != 0 { interesting = true }
                        index += 1
                        continue
                    }
                    // A scheme ends in a letter; checking that first keeps `12:30:45`-like text fast.
                    let previous = copying ? copy.last : (index > start ? bytes[index - 1] : nil)
                    if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "["), let previous,
                        (previous | 0x20) &- 0x61 < 26
                    {
                        let schemeLength =
                            copying
                            ? copy.withUnsafeBufferPointer { schemeSuffixLength($0[...]) }
                            : schemeSuffixLength(bytes[start..<index])
                        if let schemeLength, let skip = urlSeparatorLength(at: index) {
                            let wordLength = copying ? copy.count : index - start
                            let prefix = wordLength - schemeLength
                            var scheme: [UInt8] = []
                            if copying {
                                scheme = Array(copy[prefix...])
                                copy.removeLast(schemeLength)
                            } else {
                                scheme = Array(bytes[(start + prefix)..<index])
                            }
                            if prefix > 0 { classifyWord(copying ? nil : start..<(start + prefix), copy: copy, at: start) }
                            index = scanURL(scheme: scheme, from: index + skip, position: start + prefix)
                            url = true
                            break
                        }
                    }
                    if byte == UInt8(ascii: ":") {
                        if copying { copy.append(byte) }
                        interesting = true
                        index += 1
                    } else if byte == UInt8(ascii: "="), index > start, let length = softLineBreakLength(at: index),
                        classes[Int(bytes[index + length])] & ByteClass.word != 0
                    {
                        // A quoted-printable soft line break: the word goes on after it.
                        if !copying {
                            copy.append(contentsOf: bytes[start..<index])
                            copying = true
                        }
                        index += length
                    } else if index > start, let (replacement, length) = defanged(at: index) {
                        if !copying {
                            copy.append(contentsOf: bytes[start..<index])
                            copying = true
                        }
                        copy.append(replacement)
                        interesting = true
                        index += length
                    } else if byte == UInt8(ascii: " "), index > start, let length = spacedAt(at: index),
                        classes[Int(bytes[index + length])] & ByteClass.word != 0
                    {
                        // `name [at] example.com`: an address defanged with spaces.
                        if !copying {
                            copy.append(contentsOf: bytes[start..<index])
                            copying = true
                        }
                        copy.append(UInt8(ascii: "@"))
                        interesting = true
                        index += length
                    } else {
                        break
                    }
                }
                if interesting && !url { classifyWord(copying ? nil : start..<index, copy: copy, at: start) }
            }
        }

        /// At a space: the length of ` [at] `, ` (at) `, ` [@] ` or ` (@) ` (any case) with a byte after it.
        func spacedAt(at index: Int) -> Int? {
            // Each pattern has a bracket after its space; checking that first spares most spaces the four comparisons.
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "[") || bytes[index + 1] == UInt8(ascii: "(")
            else { return nil }
            for pattern in spacedAtSigns where index + pattern.count < bytes.count {
                if matches(pattern, at: index, caseInsensitive: true) { return pattern.count }
            }
            return nil
        }

        /// Classifies the word at `range` of the text, or `copy` when `range` is nil.
        mutating func classifyWord(_ range: Range<Int>?, copy: [UInt8], at position: Int) {
            if let range {
                classify(bytes[range], at: position)
            } else {
                copy.withUnsafeBufferPointer { classify($0[...], at: position) }
            }
        }

        /// The length of a URL scheme (`http`, `hxxps`, …) that `word` ends with, preceded by a non-letter.
        func schemeSuffixLength(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
            for scheme in urlSchemes where word.count >= scheme.count {
                let start = word.endIndex - scheme.count
                if start > word.startIndex, isAlphanumeric(word[start - 1]) { continue }
                var matched = true
                for offset in 0..<scheme.count where lowercased(word[start + offset]) != scheme[offset] {
                    matched = false
                    break
                }
                if matched { return scheme.count }
            }
            return nil
        }

        /// At a `:` or `[` after a scheme: the length of `://`, `[:]//` or `[://]`, else nil.
        func urlSeparatorLength(at index: Int) -> Int? {
            for separator in urlSeparators where matches(separator, at: index) { return separator.count }
            return nil
        }

        func matches(_ pattern: [UInt8], at index: Int, caseInsensitive: Bool = false) -> Bool {
            guard index + pattern.count <= bytes.count else { return false }
            for offset in 0..<pattern.count {
                let byte = bytes[index + offset]
                let folded = caseInsensitive && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if folded != pattern[offset] { return false }
            }
            return true
        }

        /// A defanged separator at `index` (`[.]`, `(dot)`, `[@]`, `[at]`, `[:]`…) and its length.
        func defanged(at index: Int) -> (UInt8, Int)? {
            let open = bytes[index]
            let close: UInt8
            switch open {
            case UInt8(ascii: "["): close = UInt8(ascii: "]")
            case UInt8(ascii: "("): close = UInt8(ascii: ")")
            case UInt8(ascii: "{"): close = UInt8(ascii: "}")
            default: return nil
            }
            for (inner, replacement) in defangings {
                let end = index + 1 + inner.count
                if end < bytes.count, bytes[end] == close, matches(inner, at: index + 1, caseInsensitive: true) {
                    return (replacement, inner.count + 2)
                }
            }
            return nil
        }

        /// Reads a URL body from `index` to the first character that cannot be in a URL in text,
        /// refanging `[.]`-style separators; returns the index after it.
        mutating func scanURL(scheme: [UInt8], from start: Int, position: Int) -> Int {
            var url = scheme + Array("://".utf8)
            let bodyStart = url.count
            let maximumLength = 2048  // as ObservableNormalizer; longer runs are consumed but not kept
            var index = start
            // A URL in a quoted-printable attribute (`href=3D"https://…`) or broken by a soft line
            // break is quoted-printable: its `=3D`-style escapes are decoded below.
            var quotedPrintable = followsQuotedPrintableEquals(position)
            while index < bytes.count {
                let byte = bytes[index]
                if isURLStop(byte) { break }
                if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "{"),
                    let (replacement, length) = defanged(at: index)
                {
                    if url.count <= maximumLength { url.append(replacement) }
                    index += length
                    continue
                }
                if byte == UInt8(ascii: "="), let length = softLineBreakLength(at: index),
                    !isURLStop(bytes[index + length])
                {
                    quotedPrintable = true
                    index += length
                    continue
                }
                if url.count <= maximumLength { url.append(byte) }
                index += 1
            }
            work += index - start + 4 * url.count  // the body read, then copied, trimmed and checked
            guard url.count <= maximumLength else { return index }
            if quotedPrintable { decodeQuotedPrintableEscapes(&url, from: bodyStart) }
            trimTrailingPunctuation(&url, keepingAtLeast: bodyStart)
            guard url.count > bodyStart else { return index }
            if let (draft, host) = Scanner.plainURL(url, schemeLength: bodyStart - 3) {
                candidates.append(Candidate(position: position, draft: draft))
                if let host { candidates.append(Candidate(position: position, draft: host)) }
                findEmbedded(in: url, after: bodyStart, position: position)
                return index
            }
            guard let draft = ObservableDraft(.url, String(decoding: url, as: UTF8.self)) else { return index }
            candidates.append(Candidate(position: position, draft: draft))
            if let host = Scanner.host(ofURL: draft.value) {
                candidates.append(Candidate(position: position, draft: host))
            }
            findEmbedded(in: url, after: bodyStart, position: position)
            return index
        }

        /// Names inside a URL's path and parameters, once percent-decoded: redirectors and trackers
        /// carry their target there (`https://click.example/3s/evil.example%2Flogin`,
        /// `?u=https%3A%2F%2Fevil.example%2F`). Inside a URL a bare domain counts only when a `/`,
        /// `%` or `:` follows it, so the file at the end of a path (`/docs/T1003.005.md`) is not one.
        mutating func findEmbedded(in url: [UInt8], after bodyStart: Int, position: Int) {
            guard depth <= ObservableExtractor.maximumDepth, !embedded else { return }
            var index = bodyStart
            while index < url.count, url[index] != UInt8(ascii: "/"), url[index] != UInt8(ascii: "?"),
                url[index] != UInt8(ascii: "#")
            {
                index += 1
            }
            var rest: [UInt8] = []
            rest.reserveCapacity(url.count - index)
            var dots = false
            while index < url.count {
                let byte = url[index]
                if byte == UInt8(ascii: "%"), index + 2 < url.count, let high = hexValue(url[index + 1]),
                    let low = hexValue(url[index + 2]), high << 4 | low > 0x20, high << 4 | low < 0x7F
                {
                    rest.append(high << 4 | low)
                    index += 3
                } else {
                    rest.append(byte)
                    index += 1
                }
                if rest[rest.count - 1] == UInt8(ascii: ".") { dots = true }
            }
            work += 2 * rest.count
            guard dots else { return }
            let (found, nestedWork) = rest.withUnsafeBufferPointer { buffer in
                var nested = Scanner(bytes: buffer, depth: depth, decodingBudget: 0, embedded: true)
                nested.findWords()
                return (nested.candidates, nested.work)
            }
            work += nestedWork
            for candidate in found { candidates.append(Candidate(position: position, draft: candidate.draft)) }
        }

        /// The common case without ObservableNormalizer's string work: `scheme://host[:port][/?#…]`
        /// with a plain host name or dotted quad, giving the same canonical URL (scheme and host
        /// lowercased, `hxxp` refanged) and its host as a domain or IPv4 observable. Nil for
        /// anything else (user info, IPv6 literals, odd hosts), which takes the normalizer's path.
        static func plainURL(_ url: [UInt8], schemeLength: Int) -> (ObservableDraft, ObservableDraft?)? {
            var canonical: [UInt8] = []
            canonical.reserveCapacity(url.count)
            let scheme = url[0..<schemeLength].map(lowercased)
            if scheme.starts(with: "hxxp".utf8) {
                canonical += "http".utf8
                canonical += scheme.dropFirst(4)
            } else {
                canonical += scheme
            }
            canonical += "://".utf8
            let hostStart = canonical.count
            var index = schemeLength + 3
            var labelLength = 0
            var previous = UInt8(ascii: ".")
            var labels = 1
            var lastLabelStart = hostStart
            while index < url.count {
                let byte = lowercased(url[index])
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
                    || byte == UInt8(ascii: ":")
                {
                    break
                }
                if byte == UInt8(ascii: ".") {
                    guard labelLength > 0, previous != UInt8(ascii: "-") else { return nil }
                    labelLength = 0
                    labels += 1
                    lastLabelStart = canonical.count + 1
                } else {
                    guard isAlphanumeric(byte) || byte == 0x2D || byte == 0x5F, labelLength < 63,
                        !(labelLength == 0 && byte == 0x2D)
                    else { return nil }
                    labelLength += 1
                }
                canonical.append(byte)
                previous = byte
                index += 1
            }
            let hostEnd = canonical.count
            guard labelLength > 0, previous != UInt8(ascii: "-"), hostEnd - hostStart <= 253 else { return nil }
            if index < url.count, url[index] == UInt8(ascii: ":") {
                canonical.append(UInt8(ascii: ":"))
                index += 1
                let portStart = index
                while index < url.count, url[index] >= 0x30, url[index] <= 0x39 {
                    canonical.append(url[index])
                    index += 1
                }
                guard index > portStart,
                    index == url.count || url[index] == UInt8(ascii: "/")
                        || url[index] == UInt8(ascii: "?") || url[index] == UInt8(ascii: "#")
                else { return nil }
            }
            canonical += url[index...]
            let draft = ObservableDraft(type: .url, normalizedValue: String(decoding: canonical, as: UTF8.self))

            let host = canonical[hostStart..<hostEnd]
            let tld = canonical[lastLabelStart..<hostEnd]
            if host.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) {
                guard IPAddress.parseV4(host) != nil else { return (draft, nil) }
                return (draft, ObservableDraft(type: .ipv4, normalizedValue: String(decoding: host, as: UTF8.self)))
            }
            let isDomain =
                labels >= 2 && tld.count >= 2
                && (tld.starts(with: "xn--".utf8) || tld.allSatisfy { $0 >= 0x61 && $0 <= 0x7A })
            guard isDomain else { return (draft, nil) }
            return (draft, ObservableDraft(type: .domain, normalizedValue: String(decoding: host, as: UTF8.self)))
        }

        /// At a `=`: the length of a quoted-printable soft line break (`=` and CRLF or LF) that has a
        /// byte after it, when the `=` is at column 40 to 76 as mail encoders wrap; else nil.
        mutating func softLineBreakLength(at index: Int) -> Int? {
            var next = index + 1
            if next < bytes.count, bytes[next] == UInt8(ascii: "\r") { next += 1 }
            guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\n") else { return nil }
            var lineStart = index
            while lineStart > 0, index - lineStart < 76, bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
            let column = index - lineStart + 1
            work += column
            guard column >= 40, column <= 76, lineStart == 0 || bytes[lineStart - 1] == UInt8(ascii: "\n") else {
                return nil
            }
            return next + 1 - index
        }

        /// True when the text before `position` is a quoted-printable `=3D"` or `=3D'`.
        func followsQuotedPrintableEquals(_ position: Int) -> Bool {
            guard position >= 4 else { return false }
            let quote = bytes[position - 1]
            return (quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'")) && bytes[position - 4] == UInt8(ascii: "=")
                && bytes[position - 3] == UInt8(ascii: "3") && lowercased(bytes[position - 2]) == UInt8(ascii: "d")
        }

        /// Replaces `=XX` escapes after `start` by the byte they encode when it is printable ASCII
        /// other than a space (a URL in running text cannot hold the others).
        func decodeQuotedPrintableEscapes(_ url: inout [UInt8], from start: Int) {
            var output = Array(url[..<start])
            var index = start
            while index < url.count {
                if url[index] == UInt8(ascii: "="), index + 2 < url.count, let high = hexValue(url[index + 1]),
                    let low = hexValue(url[index + 2]), high << 4 | low > 0x20, high << 4 | low < 0x7F
                {
                    output.append(high << 4 | low)
                    index += 3
                } else {
                    output.append(url[index])
                    index += 1
                }
            }
            url = output
        }

        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 0x30
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 0x37
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 0x57
            default: nil
            }
        }

        /// Drops sentence punctuation and unbalanced closing brackets from the end of a URL.
        func trimTrailingPunctuation(_ url: inout [UInt8], keepingAtLeast minimum: Int) {
            var parentheses = 0  // closing minus opening
            var brackets = 0
            for byte in url[minimum...] {
                switch byte {
                case UInt8(ascii: "("): parentheses -= 1
                case UInt8(ascii: ")"): parentheses += 1
                case UInt8(ascii: "["): brackets -= 1
                case UInt8(ascii: "]"): brackets += 1
                default: break
                }
            }
            while url.count > minimum, let last = url.last {
                switch last {
                case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"),
                    UInt8(ascii: "?"), UInt8(ascii: "#"):
                    url.removeLast()
                case UInt8(ascii: ")") where parentheses > 0:
                    parentheses -= 1
                    url.removeLast()
                case UInt8(ascii: "]") where brackets > 0:
                    brackets -= 1
                    url.removeLast()
                default:
                    return
                }
            }
        }

        /// The host of a normalised URL as an IP or domain observable.
        static func host(ofURL url: String) -> ObservableDraft? {
            let bytes = Array(url.utf8)
            guard let schemeEnd = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            var start = schemeEnd + 3
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "/"), bytes[end] != UInt8(ascii: "?"),
                bytes[end] != UInt8(ascii: "#")
            {
                end += 1
            }
            if let at = bytes[start..<end].lastIndex(of: UInt8(ascii: "@")) { start = at + 1 }
            guard start < end else { return nil }
            if bytes[start] == UInt8(ascii: "[") {
                guard let close = bytes[start..<end].firstIndex(of: UInt8(ascii: "]")) else { return nil }
                return ObservableDraft(.ipv6, String(decoding: bytes[(start + 1)..<close], as: UTF8.self))
            }
            if let colon = bytes[start..<end].lastIndex(of: UInt8(ascii: ":")) { end = colon }
            let host = String(decoding: bytes[start..<end], as: UTF8.self)
            switch IPAddress(host) {
            case .v4: return ObservableDraft(.ipv4, host)
            case .v6: return ObservableDraft(.ipv6, host)
            case nil: return ObservableDraft(.domain, host)
            }
        }

        // MARK: Classification

        /// Classifies one word: IPv6, or its colon-separated parts as IPv4, email or domain.
        mutating func classify(_ word: Slice<UnsafeBufferPointer<UInt8>>, at position: Int) {
            work += word.count
            var word = word
            while let last = word.last,
                last == UInt8(ascii: ".") || last == UInt8(ascii: "-") || last == UInt8(ascii: "_")
                    || last == UInt8(ascii: "+") || last == UInt8(ascii: "@")
            {
                word.removeLast()
            }
            if word.count >= 2, word.last == UInt8(ascii: ":"), word[word.endIndex - 2] != UInt8(ascii: ":") {
                word.removeLast()
            }
            // `%2Fevil.com`: the word starts inside a percent escape, which is not part of it.
            var position = position
            if position > 0, bytes[position - 1] == UInt8(ascii: "%"), word.count > 2, isHex(word[word.startIndex]),
                isHex(word[word.startIndex + 1])
            {
                word.removeFirst(2)
                position += 2
            }
            guard !word.isEmpty else { return }
            guard word.contains(UInt8(ascii: ":")) else {
                classifyPart(word, at: position)
                return
            }
            if let address = ipv6(word) {
                candidates.append(
                    Candidate(position: position, draft: ObservableDraft(type: .ipv6, normalizedValue: address.description)))
                return
            }
            var partStart = word.startIndex
            for index in word.startIndex..<word.endIndex where word[index] == UInt8(ascii: ":") {
                classifyPart(word[partStart..<index], at: position + partStart - word.startIndex)
                partStart = index + 1
            }
            classifyPart(word[partStart...], at: position + partStart - word.startIndex)
        }

        /// The IPv6 address `word` spells, when it has at least two colons and, if compressed, two
        /// explicit groups (`fe80::1`; `::1` too): `::`, `a::`, `12:30:45` are not addresses.
        func ipv6(_ word: Slice<UnsafeBufferPointer<UInt8>>) -> IPAddress? {
            guard word.count <= 45 else { return nil }
            var colons = 0
            var groups = 0
            var dots = false
            var compressed = false
            var previousColon = false
            var atGroupStart = true
            for byte in word {
                if byte == UInt8(ascii: ":") {
                    colons += 1
                    if previousColon { compressed = true }
                    previousColon = true
                    atGroupStart = true
                } else {
                    guard byte == UInt8(ascii: ".") || isHex(byte) else { return nil }
                    if byte == UInt8(ascii: ".") { dots = true }
                    if atGroupStart { groups += 1 }
                    previousColon = false
                    atGroupStart = false
                }
            }
            // Eight groups need seven colons (six before a dotted IPv4 tail); fewer only with `::`, so
            // times and MAC addresses are rejected before parsing.
            guard colons >= 2, compressed || colons == 7 || (colons == 6 && dots),
                groups >= 2 || word.elementsEqual("::1".utf8),
                let (high, low) = IPAddress.parseV6(Array(word))
            else { return nil }
            return .v6(high: high, low: low)
        }

        /// Classifies a colon-free part: email, dotted-quad IPv4 or domain.
        mutating func classifyPart(_ part: Slice<UnsafeBufferPointer<UInt8>>, at position: Int) {
            var part = part
            let trim: (UInt8) -> Bool = {
                $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+")
                    || $0 == UInt8(ascii: "@")
            }
            while let first = part.first, trim(first) { part.removeFirst() }
            while let last = part.last, trim(last) { part.removeLast() }
            guard part.count >= 3 else { return }
            if let at = part.firstIndex(of: UInt8(ascii: "@")) {
                let local = part[..<at]
                let domain = part[(at + 1)...]
                guard !domain.contains(UInt8(ascii: "@")) else { return }
                guard local.count <= ObservableNormalizer.maximumLocalPartBytes, isDomain(domain, bare: false) else {
                    // Not an address, but its domain may be one (`<id@host.example>` Message-IDs).
                    addBareDomain(domain, at: position + at + 1 - part.startIndex)
                    return
                }
                addLowercased(.email, part, at: position)
                addLowercased(.domain, domain, at: position)  // as a URL's host is reported after it
                return
            }
            guard part.contains(UInt8(ascii: ".")) else { return }
            if part.contains(UInt8(ascii: "-")),
                part.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
            {
                // An address range, `10.0.0.0-10.255.255.255`: each end on its own.
                var pieceStart = part.startIndex
                for index in part.startIndex...part.endIndex where index == part.endIndex || part[index] == 0x2D {
                    classifyPart(part[pieceStart..<index], at: position + pieceStart - part.startIndex)
                    pieceStart = index + 1
                }
                return
            }
            if part.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) {
                // A valid dotted quad has no leading zeros, so its text is already canonical.
                if part.count <= 15, IPAddress.parseV4(part) != nil { addLowercased(.ipv4, part, at: position) }
                return
            }
            addBareDomain(part, at: position)
        }

        /// Adds `part` as a domain when it is one. A label over 63 bytes cannot be in a host name,
        /// but what follows it can (`<long-id>.dcccd.edu` in a Message-ID): the domain is then the
        /// part after the last such label.
        mutating func addBareDomain(_ part: Slice<UnsafeBufferPointer<UInt8>>, at position: Int) {
            var labelLength = 0
            var domainStart = part.startIndex
            for index in part.startIndex..<part.endIndex {
                if part[index] == UInt8(ascii: ".") {
                    if labelLength > 63 { domainStart = index + 1 }
                    labelLength = 0
                } else {
                    labelLength += 1
                }
            }
            let domain = part[domainStart...]
            if embedded {
                let end = part.endIndex
                guard end < bytes.count,
                    bytes[end] == UInt8(ascii: "/") || bytes[end] == UInt8(ascii: "%") || bytes[end] == UInt8(ascii: ":")
                else { return }
            }
            if isDomain(domain, bare: true) {
                addLowercased(.domain, domain, at: position + domainStart - part.startIndex)
            }
        }

        /// ObservableNormalizer's domain rule (labels of letters, digits, `-`, `_`; at most 253 bytes)
        /// with a known top-level domain; a `bare` word (not an email's domain) ending in an
        /// identifier-like TLD also needs three labels, no `_` and a digit or `-`.
        func isDomain(_ text: Slice<UnsafeBufferPointer<UInt8>>, bare: Bool) -> Bool {
            guard text.count >= 4, text.count <= 253 else { return false }
            var labels = 0
            var labelStart = text.startIndex
            for index in text.startIndex...text.endIndex {
                if index < text.endIndex && text[index] != UInt8(ascii: ".") { continue }
                let label = text[labelStart..<index]
                guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"),
                    label.last != UInt8(ascii: "-"),
                    label.allSatisfy({ isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F })
                else { return false }
                labels += 1
                if index == text.endIndex {
                    guard labels >= 2, isKnownTLD(label) else { return false }
                    guard bare, isIdentifierTLD(label) else { return true }
                    return labels >= 3 && !text.contains(0x5F)
                        && text.contains(where: { $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) })
                }
                labelStart = index + 1
            }
            return false
        }
    }

    // MARK: - Tables

    fileprivate enum ByteClass {
        /// Letters, digits and `.-_@:+`: what words are made of.
        static let word: UInt8 = 1
        /// Word bytes the word loop takes without a second look (all but `:`).
        static let plain: UInt8 = 2
        /// `.`, `@`, `:`: a word without one cannot be an observable.
        static let special: UInt8 = 4
        /// Hex digits, and the letters among them (a hash of digits only is a number).
        static let hex: UInt8 = 8
        static let letter: UInt8 = 16
        /// The standard base64 alphabet: letters, digits, `+` and `/`.
        static let base64: UInt8 = 32
    }

    private static let byteClasses: [UInt8] = (0...255).map { value in
        let byte = UInt8(value)
        var flags: UInt8 = 0
        if isWordByte(byte) { flags |= ByteClass.word }
        if isWordByte(byte) && byte != UInt8(ascii: ":") { flags |= ByteClass.plain }
        if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "@") || byte == UInt8(ascii: ":") { flags |= ByteClass.special }
        if isHex(byte) { flags |= ByteClass.hex }
        if isHex(byte) && byte > 0x39 { flags |= ByteClass.letter }
        if isAlphanumeric(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") { flags |= ByteClass.base64 }
        return flags
    }

    @inline(__always)
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10 || (byte | 0x20) &- 0x61 < 26
    }

    @inline(__always)
    private static func isHex(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10 || (byte | 0x20) &- 0x61 < 6
    }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Letters, digits and `.-_@:+`.
    @inline(__always)
    private static func isWordByte(_ byte: UInt8) -> Bool {
        if isAlphanumeric(byte) { return true }
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }

    /// Characters that end a URL in running text: whitespace, controls, non-ASCII, quotes, `<>{}|\^` and backtick.
    @inline(__always)
    private static func isURLStop(_ byte: UInt8) -> Bool {
        if byte <= 0x20 || byte >= 0x7F { return true }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "`"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"):
            return true
        default:
            return false
        }
    }

    /// Longest first, so `https` wins over `http`.
    /// `ldap`, `ldaps` and `rmi` for JNDI lookups (`${jndi:ldap://…}`, Log4Shell).
    private static let urlSchemes: [[UInt8]] = ["hxxps", "https", "hxxp", "http", "ftps", "ftp", "ldaps", "ldap", "rmi"]
        .map { Array($0.utf8) }
    private static let spacedAtSigns: [[UInt8]] = [" [at] ", " (at) ", " [@] ", " (@) "].map { Array($0.utf8) }
    /// `:/` last: `<img src="http:/host/…">` loads from `host` in browsers, so phishing mail uses it.
    private static let urlSeparators: [[UInt8]] = ["://", "[:]//", "[://]", ":/"].map { Array($0.utf8) }
    private static let defangings: [([UInt8], UInt8)] = [
        (Array(".".utf8), UInt8(ascii: ".")), (Array("dot".utf8), UInt8(ascii: ".")),
        (Array("@".utf8), UInt8(ascii: "@")), (Array("at".utf8), UInt8(ascii: "@")),
        (Array(":".utf8), UInt8(ascii: ":")),
    ]

    /// Every delegated two-letter country-code TLD (IANA root zone), as a 26 × 26 bit table.
    private static let countryCodes: [Bool] = {
        let codes = """
            ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bv bw by bz \
            ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk \
            fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq \
            ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh \
            mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk \
            pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy \
            sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za \
            zm zw
            """
        var table = [Bool](repeating: false, count: 26 * 26)
        for code in codes.split(separator: " ") {
            let bytes = Array(code.utf8)
            table[Int(bytes[0] - 0x61) * 26 + Int(bytes[1] - 0x61)] = true
        }
        return table
    }()

    /// Generic TLDs: the Public Suffix List's (``TopLevelDomains``) plus the RFC 2606
    /// documentation names (`example`, `test`) so lab data extracts.
    private static let genericTLDNames: [String] = TopLevelDomains.generic + ["example", "test"]

    /// TLDs that are also words field names, code and file names end in (`host.name`, `http.host`,
    /// `file.data`, `Wscript.Shell`, `archive.zip`, `self.run`). A bare word ending in one is a
    /// domain only when it looks like a machine-made host name: three labels or more, no `_`, and
    /// a digit or `-` (`2fsd10bdf4ntd5.sviluppo.host`). Email domains and URL hosts are not held to
    /// this. The list comes from the false positives of the full list on the shared corpus, plus the
    /// method and file-type words of the same kind.
    private static let identifierTLDs: Set<UInt64> = Set(
        """
        name data host shell city email date family computer channel properties target call read save show \
        style search map new next open run play zip mov java docs events black select total
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { packed($0.utf8) })

    /// True for a TLD in ``identifierTLDs`` (any case).
    static func isIdentifierTLD(_ label: some Collection<UInt8>) -> Bool {
        guard let key = packed(label) else { return false }
        return identifierTLDs.contains(key)
    }

    /// The generic TLDs of at most eight letters packed into integers, so a lookup allocates nothing.
    private static let genericTLDs: Set<UInt64> = Set(genericTLDNames.compactMap { packed($0.utf8) })
    /// The longer ones (`accountant`), looked up as text.
    private static let longGenericTLDs: Set<String> = Set(genericTLDNames.filter { $0.utf8.count > 8 })

    /// Up to eight ASCII letters, lowercased, as one integer; nil when longer or not letters.
    private static func packed(_ label: some Collection<UInt8>) -> UInt64? {
        guard label.count <= 8 else { return nil }
        var value: UInt64 = 0
        for byte in label {
            let lower = lowercased(byte)
            guard lower >= 0x61 && lower <= 0x7A else { return nil }
            value = value << 8 | UInt64(lower)
        }
        return value
    }

    /// True for a known TLD label (any case): two-letter country codes, listed generic ones, `xn--…`.
    static func isKnownTLD(_ label: some Collection<UInt8>) -> Bool {
        let count = label.count
        if count == 2 {
            let first = Int(label[label.startIndex] | 0x20) - 0x61
            let second = Int(label[label.index(after: label.startIndex)] | 0x20) - 0x61
            guard (0..<26).contains(first), (0..<26).contains(second) else { return false }
            return countryCodes[first * 26 + second]
        }
        guard count >= 3, count <= 24 else { return false }
        if let key = packed(label) { return genericTLDs.contains(key) }
        let lower = label.map(lowercased)
        if lower.starts(with: "xn--".utf8) { return lower.count > 4 }
        return longGenericTLDs.contains(String(decoding: lower, as: UTF8.self))
    }
}
