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
    all_riposte = set().union(*riposte.values())
    for kind in RIPOSTE_TYPES:
        missing = sorted(theirs[kind] - riposte[kind])
        if not missing:
            continue
        reasons = collections.defaultdict(list)
        for value in missing:
            reasons[classify(kind, value, riposte, all_riposte)].append(value)
        for reason, values in sorted(reasons.items(), key=lambda item: -len(item[1])):
            print(f"  {kind}: {len(values)} {reason}")
            for value in values[: options.show]:
                files = sorted(sources.get((kind, value), []))
                where = files[0].rsplit("/data/", 1)[-1] if files else "?"
                print(f"      {value[:110]}    [{where}]")


def classify(kind, value, riposte, all_riposte):
    """The reason a value ioc-finder found is not in Riposte's set; rules from reading the diff."""
    if kind == "url":
        if any(other.startswith(value) or value.startswith(other) for other in riposte["url"] if len(other) > 12):
            return "prefix or extension of a URL Riposte found (different end of URL)"
        return "unexplained"
    if kind == "domain":
        if any(value in other for other in all_riposte):
            return "inside a value Riposte found (different split)"
        return "unexplained"
    return "unexplained"


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    sys.exit(main())
