#!/usr/bin/env bash
# Measures the trainer beside the PyTorch peer (../shared/peers/torch_mmoe.py) in the same session, alternating
# the two ROUNDS times per thread count so that machine noise hits both alike, and prints each pair and the ratio
# of the medians. Needs Debian's PyTorch: apt-get install -y python3-torch.
# The peer runs with OPENBLAS_CORETYPE unset so that it picks SkylakeX itself on AVX-512 machines (its best).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
peer=${PEER:-../shared/peers/torch_mmoe.py}
dotnet build -c Release tests/Federated.Benchmarks >/dev/null
for threads in 1 2; do
  ours=(); theirs=()
  for ((r = 0; r < rounds; r++)); do
    line=$(dotnet run -c Release --no-build --project tests/Federated.Benchmarks -- trainer --threads "$threads")
    echo "$line"
    ours+=("$(sed -E 's/.*"samples_per_second":([0-9.]+).*/\1/' <<<"$line")")
    line=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$peer" --threads "$threads" | tail -n 1)
    echo "$line"
    theirs+=("$(sed -E 's/.*"samples_per_second": ([0-9.]+).*/\1/' <<<"$line")")
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
  a=$(median "${ours[@]}"); b=$(median "${theirs[@]}")
  awk -v t="$threads" -v a="$a" -v b="$b" 'BEGIN {printf "{\"threads\": %d, \"federated_samples_per_second\": %d, \"pytorch_best_samples_per_second\": %d, \"ratio\": %.1f}\n", t, a, b, a / b}'
done
