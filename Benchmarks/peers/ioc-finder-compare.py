"""Runs ioc-finder on each corpus file with a per-file timeout and compares its finds with Riposte's.

Called by ioc-finder.sh after ExtractorBenchmark has written:
  <out>/extract-corpus.files  the files both extractors read, one absolute path a line
  <out>/extract-values.tsv    Riposte's observables over those files: type<TAB>value

Each file is handed to a long-lived worker process; the parent waits at most --timeout seconds for
it and kills and replaces the worker when it does not answer, so a file that hangs ioc-finder is
reported by name and the run goes on. Speed is bytes of the files that finished over the worker's
CPU time spent in find_iocs (process start-up and imports excluded), as ExtractorBenchmark counts
only extraction.

Values only ioc-finder finds are compared after the same canonical form on both sides (scheme and
host lowercased, IPv6 compressed, emails and hashes lowercased) and sorted into reasons; the
reasons are rules written after reading the diff on the shared corpus, each with the evidence it
checks, and anything no rule explains is listed as "unexplained" for a person to look at.
"""

import argparse
import collections
import ipaddress
import multiprocessing
import re
import sys
import time

TYPES = {
    "ipv4s": "ipv4",
    "ipv6s": "ipv6",
    "domains": "domain",
    "urls": "url",
    "email_addresses": "email",
    "md5s": "md5",
    "sha1s": "sha1",
    "sha256s": "sha256",
}
RIPOSTE_TYPES = ["ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256"]


def worker(connection):
    from ioc_finder import find_iocs  # imported once per worker, outside the timed part

    while True:
        path = connection.recv()
        if path is None:
            return
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
        start = time.process_time()
        found = find_iocs(text)
        elapsed = time.process_time() - start
        connection.send((found, elapsed))


class Worker:
    def __init__(self):
        self.parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=worker, args=(child,), daemon=True)
        self.process.start()

    def run(self, path, timeout):
        self.parent.send(path)
        if self.parent.poll(timeout):
            return self.parent.recv()
        self.process.kill()
        self.process.join()
        return None

    def stop(self):
        self.parent.send(None)
        self.process.join(5)


def hostile_inputs(size):
    """The hostile inputs ExtractorBenchmark measures, built the same way (not the same bytes)."""
    import random

    generator = random.Random(1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    yield "one random base64 line", "".join(generator.choice(alphabet) for _ in range(size))
    yield "dots", "." * size
    yield "'a@' repeated", ("a@" * size)[:size]
    yield "random digits and colons", "".join(generator.choice("0123456789:") for _ in range(size))


def hostile_worker(connection):
    from ioc_finder import find_iocs

    text = connection.recv()
    start = time.process_time()
    find_iocs(text)
    connection.send(time.process_time() - start)


def run_hostile(timeout):
    print()
    print(f"ioc-finder on hostile inputs (timeout {timeout:g} s each):")
    for size in (100_000, 1_000_000):
        for name, text in hostile_inputs(size):
            parent, child = multiprocessing.Pipe()
            process = multiprocessing.Process(target=hostile_worker, args=(child,), daemon=True)
            process.start()
            parent.send(text)
            if parent.poll(timeout):
                seconds = parent.recv()
                result = f"{size / 1e6 / max(seconds, 1e-9):8.2f} MB/CPU-s"
            else:
                result = f"TIMED OUT after {timeout:g} s"
            process.kill()
            process.join()
            print(f"  {name:28} {size / 1e6:4.1f} MB  {result}")


def canonical(kind, value):
    value = value.strip()
    if kind == "ipv6":
        try:
            return str(ipaddress.IPv6Address(value.split("%")[0]))
        except ValueError:
            return value.lower()
    if kind == "url":
        match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)$", value, re.S)
        if match:
            return match.group(1).lower() + match.group(2).lower() + match.group(3)
        return value
    return value.lower()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=".build")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--show", type=int, default=12, help="examples printed per reason")
    parser.add_argument("--hostile-timeout", type=float, default=60, help="0 skips the hostile inputs")
    options = parser.parse_args()

    paths = [line for line in open(f"{options.out}/extract-corpus.files").read().split("\n") if line]
    riposte = collections.defaultdict(set)
    for line in open(f"{options.out}/extract-values.tsv", encoding="utf-8"):
        kind, _, value = line.rstrip("\n").partition("\t")
        riposte[kind].add(canonical(kind, value))

    found = collections.defaultdict(set)  # ioc-finder key -> values
    sources = collections.defaultdict(set)  # (type, canonical value) -> files
    cpu = 0.0
    done_bytes = 0
    timed_out = []
    current = Worker()
    wall_start = time.monotonic()
    for path in paths:
        size = len(open(path, "rb").read())
        result = current.run(path, options.timeout)
        if result is None:
            timed_out.append((path, size))
            current = Worker()
            continue
        iocs, elapsed = result
        cpu += elapsed
        done_bytes += size
        for key, values in iocs.items():
            for value in values if isinstance(values, list) else []:
                if not isinstance(value, str):
                    continue
                found[key].add(value)
                if key in TYPES:
                    sources[(TYPES[key], canonical(TYPES[key], value))].add(path)
    current.stop()
    wall = time.monotonic() - wall_start

    total_bytes = sum(len(open(p, "rb").read()) for p in paths)
    print(f"ioc-finder: {len(paths)} files, {total_bytes} bytes, timeout {options.timeout:g} s per file")
    print(
        f"  finished {len(paths) - len(timed_out)} files, {done_bytes} bytes in {cpu:.2f} CPU-s: "
        f"{done_bytes / 1e6 / max(cpu, 1e-9):.2f} MB/CPU-s ({wall:.1f} s wall including timeouts)"
    )
    if timed_out:
        print(f"  TIMED OUT ({len(timed_out)} files, not counted in MB/s):")
        for path, size in timed_out:
            print(f"    {path} ({size} bytes)")
    else:
        print("  timed out: none")

    theirs = collections.defaultdict(set)
    for key, kind in TYPES.items():
        theirs[kind] = {canonical(kind, value) for value in found.get(key, set())}
    print()
    print(f"{'type':8} {'Riposte':>8} {'ioc-finder':>11} {'both':>6} {'Riposte only':>13} {'ioc-finder only':>16}")
    for kind in RIPOSTE_TYPES:
        mine, other = riposte[kind], theirs[kind]
        print(
            f"{kind:8} {len(mine):8} {len(other):11} {len(mine & other):6} {len(mine - other):13} {len(other - mine):16}"
        )
    others = sorted((key, len(values)) for key, values in found.items() if key not in TYPES and values)
    if others:
        print("ioc-finder types Riposte has no observable type for: " + ", ".join(f"{k} {n}" for k, n in others))

    print()
    print("Values only ioc-finder finds, by reason:")
    corpus = "".join(open(path, "rb").read().decode("utf-8", errors="replace") for path in paths)
    classify = Classifier(riposte, corpus)
    for kind in RIPOSTE_TYPES:
        missing = sorted(theirs[kind] - riposte[kind])
        if not missing:
            continue
        reasons = collections.defaultdict(list)
        for value in missing:
            reasons[classify(kind, value)].append(value)
        for reason, values in sorted(reasons.items(), key=lambda item: -len(item[1])):
            print(f"  {kind}: {len(values)} {reason}")
            for value in values[: options.show]:
                files = sorted(sources.get((kind, value), []))
                where = files[0].rsplit("/data/", 1)[-1] if files else "?"
                print(f"      {value[:110] + ('…' if len(value) > 110 else '')}    [{where}]")

    if options.hostile_timeout > 0:
        run_hostile(options.hostile_timeout)


def identifier_tlds():
    """The identifier-like TLDs, read from the Swift source so the two never disagree."""
    source = open("Sources/RiposteCore/Logic/ObservableExtractor.swift", encoding="utf-8").read()
    match = re.search(r'identifierTLDs: Set<UInt64> = Set\(\s*"""(.*?)"""', source, re.S)
    return set(match.group(1).replace("\\", " ").split()) if match else set()


class Classifier:
    """Sorts values only ioc-finder found into reasons. Each rule checks its evidence in the text or
    in Riposte's finds; a value no rule explains is "unexplained" and needs a person."""

    def __init__(self, riposte, corpus):
        self.riposte = riposte
        self.corpus = corpus.lower()
        self.hosts = riposte["domain"] | riposte["ipv4"]
        self.urls = sorted(riposte["url"])
        self.everything = "\n".join(sorted(set().union(*riposte.values()))).lower()
        self.identifiers = identifier_tlds()

    def __call__(self, kind, value):
        lower = value.lower()
        if kind == "url":
            return self.url(value)
        if kind == "domain":
            return self.domain(lower)
        if kind == "ipv6":
            explicit = [group for group in lower.split(":") if group]
            if "::" in lower and len(explicit) < 2:
                return "FP: not an address by Riposte's rule ('::' needs two explicit groups; schema text)"
        if kind == "email":
            local = lower.split("@")[0]
            if len(local) > 128:
                return "REAL, missed: local part over 128 bytes (ObservableNormalizer.maximumLocalPartBytes)"
            if lower not in self.corpus:
                return "FP: not in the text as written (ioc-finder joined words across spaces or QP breaks)"
        if kind == "ipv4" and lower not in self.corpus:
            return "FP: not in the text as written"
        return "unexplained"

    def corpus_near(self, url):
        """The text around the first place the URL's host appears (to see whether it was defanged)."""
        host = re.split(r"[/?#]", url.split("://", 1)[-1], maxsplit=1)[0].lower()
        at = self.corpus.find(host)
        return self.corpus[max(0, at - 40) : at + len(url) + 40] if at >= 0 else ""

    def url(self, value):
        unescaped = value.replace("=3D", "=").replace("=3d", "=")
        # The URL up to an escaped CR/LF or quote, without trailing ';', '\\', quotes or '?'.
        cut = re.split(r"\\\\r|\\\\n|\\r|\\n|\\\\\"", value)[0].rstrip(";\\\"'?")
        if cut != value and cut in self.riposte["url"]:
            return "FP: ioc-finder kept text past the URL's end (';', JSON/CEF escape, CRLF)"
        for other in self.urls:
            if unescaped.endswith("=") and other.startswith(unescaped[:-1]):
                return "FP: cut at a quoted-printable soft line break (Riposte joins the lines)"
        if cut.lower() not in self.corpus and "[" not in self.corpus_near(cut) and "hxxp" not in value:
            return "FP: not in the text as written (ioc-fanger rewrote 'HTTP/' as 'http:/', 'ET' as '@')"
        if "://" not in value:
            host = re.split(r"[/?#:]", value, maxsplit=1)[0].lower()
            if host in self.hosts:
                return "REAL, partly found: scheme-less URL; Riposte reports its host as a domain"
            if any(host in other and host != other for other in self.hosts):
                return "FP: scheme-less 'URL' on a fragment of a longer host (cut at a QP soft break)"
            return "FP: scheme-less 'URL' whose host is not a domain (file name)"
        lowered = value.lower()
        if any(other.lower() == lowered for other in self.urls):
            return "same URL in another case (ioc-finder changed the text's case)"
        return "unexplained"

    def domain(self, value):
        tld = value.rsplit(".", 1)[-1]
        if tld in self.identifiers:
            return "FP: field or file name ending in an identifier-like TLD (http.host, file.data, Wscript.Shell)"
        if re.match(r"^[0-9a-f]{2}", value) and "%" + value in self.corpus:
            return "FP: percent-escape residue ('%2F' kept in front of the name)"
        for line in self.everything.split("\n"):
            if value in line and line != value:
                if "@" in line and line.split("@")[0].endswith(value):
                    return "FP: local part of an email Riposte found"
                start = line.index(value)
                if "://" in line and (start >= 3 and line[start - 3] == "%" or line[start - 1] in "/=?&"):
                    return "in a URL Riposte found: a name in its path or parameters (see the report)"
                if start > 0 and line[start - 1] not in "./@":
                    return "FP: fragment of a longer name Riposte found (cut at a QP soft break)"
                return "REAL, reported inside a longer value Riposte found"
        if re.search(re.escape(value) + r"\.[a-z]", self.corpus):
            return "FP: prefix of a longer dotted name whose last label is no TLD (w00tw00t.at.ISC.SANS.DFind)"
        if value.split(".")[0] == tld:
            return "FP: placeholder (xxx.xxx)"
        return "unexplained"


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    sys.exit(main())
