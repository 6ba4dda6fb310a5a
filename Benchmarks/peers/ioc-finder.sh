#!/usr/bin/env bash
# Observable extraction, Riposte against ioc-finder (PyPI, pure Python) on the same corpus in one run:
# ExtractorBenchmark (release) measures Riposte and writes the corpus it read (the shared corpus's
# text files) with its finds; ioc-finder then reads the same files, one process per file with a
# per-file timeout (a file that hangs it is named, not hidden), and the two are compared: counts per
# type, and every value only ioc-finder finds, sorted into reasons (see ioc-finder-compare.py).
#
# Usage: Benchmarks/peers/ioc-finder.sh [TIMEOUT_SECONDS]   (PyPI must be reachable the first time)
set -euo pipefail
cd "$(dirname "$0")/../.."
timeout=${1:-30}
venv=.build/peers-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ioc_finder" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "ioc-finder==9.4.1"
fi
swift build -c release --product ExtractorBenchmark >/dev/null
echo "== Riposte (ExtractorBenchmark)"
.build/release/ExtractorBenchmark --out .build
echo
echo "== ioc-finder $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ioc-finder"))')"
"$venv/bin/python" Benchmarks/peers/ioc-finder-compare.py --out .build --timeout "$timeout"
