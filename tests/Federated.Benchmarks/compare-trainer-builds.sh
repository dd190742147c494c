#!/usr/bin/env bash
# Measures the trainer benchmark of two commits in the same session: each is exported (git archive) and built in a
# temporary directory, then the two run alternately ROUNDS times (so that machine noise hits both alike), and the
# ratio of the median samples/s (this checkout's over the base's) is printed. A ratio ≥ ~0.97 means "not slower"
# within the noise of a shared machine.
# usage: compare-trainer-builds.sh [BASE_COMMIT (default main)] [extra trainer options, e.g. --threads 2]
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:-main}; shift || true
rounds=${ROUNDS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in base head; do
  commit=$([ "$side" = base ] && echo "$base" || git rev-parse HEAD)
  mkdir -p "$work/$side" && git archive "$commit" | tar -x -C "$work/$side"
  dotnet build -c Release -v q -nologo "$work/$side/tests/Federated.Benchmarks" >/dev/null
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
bases=(); heads=()
for ((r = 0; r < rounds; r++)); do
  for side in base head; do
    line=$(dotnet "$work/$side/tests/Federated.Benchmarks/bin/Release/net10.0/Federated.Benchmarks.dll" trainer "$@")
    echo "$side $line"
    rate=$(sed -E 's/.*"samples_per_second":([0-9.]+).*/\1/' <<<"$line")
    if [ "$side" = base ]; then bases+=("$rate"); else heads+=("$rate"); fi
  done
done
a=$(median "${heads[@]}"); b=$(median "${bases[@]}")
awk -v a="$a" -v b="$b" -v base="$base" 'BEGIN {printf "{\"base\": \"%s\", \"head_samples_per_second\": %d, \"base_samples_per_second\": %d, \"ratio\": %.3f}\n", base, a, b, a / b}'
