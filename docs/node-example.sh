#!/usr/bin/env bash
# Reproduces the README's examples of the node's `finetune` and `--explain` (section "Running a node against a
# coordinator"): a coordinator on loopback with an empty database, one node on MovieLens 100K training an MMoE for
# 3 rounds, then the node's offline commands. Takes a few minutes on 2 cores.
#
#   docs/node-example.sh ~/ml-100k            # the MovieLens 100K directory (u.data, u.item, u.user)
#
# Everything is written to a fresh temporary directory, printed at the start; the coordinator is stopped at the end.
set -euo pipefail
data=$(cd "${1:?usage: docs/node-example.sh ML-100K-DIRECTORY}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-7391}
work=$(mktemp -d)
echo "working in $work"

dotnet build "$root/coordinator" -c Release -v q -nologo >/dev/null
dotnet build "$root/client" -c Release -v q -nologo >/dev/null
coordinator() { dotnet "$root/coordinator/bin/Release/net10.0/Federated.Coordinator.dll" "$@"; }
node() { dotnet "$root/client/bin/Release/net10.0/Federated.Client.dll" "$@"; }

cd "$work"
coordinator --urls "http://127.0.0.1:$port" >coordinator.log 2>&1 &
coordinator_pid=$!
trap 'kill "$coordinator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 120); do [ -s coordinator.db.admin-token ] && break; sleep 1; done
export FEDERATED_COORDINATOR="http://127.0.0.1:$port"
FEDERATED_ADMIN_TOKEN=$(cat coordinator.db.admin-token)
export FEDERATED_ADMIN_TOKEN

# The shipped MovieLens run with an MMoE trunk (3 experts), 3 rounds and one node.
coordinator admin init-run --movielens --out movielens.json
sed -e 's/"trunk": { "kind": "shared-bottom", "hidden": \[32, 16\] }/"trunk": { "kind": "mmoe", "hidden": [16], "experts": 3 }/' \
    -e 's/"rounds": 20/"rounds": 3/' -e 's/"minClients": 2/"minClients": 1/' movielens.json >run.json
grep -q '"kind": "mmoe"' run.json
coordinator admin start-run --config run.json
token=$(coordinator admin issue-token --node library-a)

node run --coordinator "$FEDERATED_COORDINATOR" --token "$token" --data "$data" --state state
coordinator admin export --run run-1 --version 3 --out model.safetensors

echo; echo '$ federated-node finetune --data ml-100k --state state --out tuned'
node finetune --data "$data" --state state --out tuned
echo; echo '$ federated-node finetune --init model.safetensors --data ml-100k --state newcomer --optimizer adam --learning-rate 0.005'
node finetune --init model.safetensors --data "$data" --state newcomer --optimizer adam --learning-rate 0.005
echo; echo '$ federated-node recommend --user 1 --k 3 --explain --data ml-100k --state tuned'
node recommend --user 1 --k 3 --explain --data "$data" --state tuned
echo; echo '$ federated-node evaluate --explain --data ml-100k --state tuned'
node evaluate --explain --data "$data" --state tuned
