#!/usr/bin/env bash
# STIX 2.1 bundle import measured against the OASIS reference library: the Python `stix2` package (installed from
# PyPI into a venv under .build) parses the same generated bundle that STIXImportBenchmark imports, with
# `stix2.parse(text, allow_custom=True)` (which builds every object and validates every STIX pattern).
# Both rates are thread/process CPU time over the same indicators, medians of the given trials; the ratio is
# printed from this one run.
#
# Usage: Benchmarks/peers/stix2-import.sh [COUNT] [SWIFT_TRIALS] [PYTHON_TRIALS]
#        (after `swift build -c release --product STIXImportBenchmark`)
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-200000}
swift_trials=${2:-5}
python_trials=${3:-3}
binary=.build/release/STIXImportBenchmark
[ -x "$binary" ] || { echo "stix2-import: build first: swift build -c release --product STIXImportBenchmark" >&2; exit 1; }
venv=.build/stix2-venv
stix2_version=3.0.2
if ! "$venv/bin/python" -c "import stix2, sys; sys.exit(stix2.__version__ != '$stix2_version')" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "stix2==$stix2_version"
fi
bundle=.build/stix-benchmark/bundle-$count.json

# The Swift importer first; it writes the bundle and fails unless every indicator imported as generated.
swift_output=$("$binary" --count "$count" --trials "$swift_trials" --bundle "$bundle") || true
echo "$swift_output"
swift_rate=$(echo "$swift_output" | sed -n 's/^swift_rate=\([0-9]*\).*/\1/p')
[ -n "$swift_rate" ] || { echo "stix2-import: the Swift benchmark did not report a rate" >&2; exit 1; }

python_rate=$("$venv/bin/python" - "$bundle" "$count" "$python_trials" <<'PY'
import statistics, sys, time
import stix2

path, expected, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, encoding="utf-8") as handle:
    text = handle.read()
times = []
for _ in range(trials):
    start = time.process_time()
    bundle = stix2.parse(text, allow_custom=True)
    elapsed = time.process_time() - start
    indicators = sum(1 for obj in bundle.objects if obj["type"] == "indicator")
    if indicators != expected:
        sys.exit(f"stix2 parsed {indicators} indicators, expected {expected}")
    del bundle
    times.append(elapsed)
    print(f"  stix2 {stix2.__version__} run, CPU s: {elapsed:.3f}", file=sys.stderr, flush=True)
print(f"{expected / statistics.median(times):.0f}")
PY
)
echo "stix2 $stix2_version (Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())')):" \
    "indicators/s, CPU (median of $python_trials): $python_rate"
echo "Riposte STIXBundleImporter: indicators/s, CPU: $swift_rate"
echo "ratio Riposte / stix2: $(echo "scale=1; $swift_rate / $python_rate" | bc)x"
