#!/usr/bin/env bash
# Creates mirrorflow's EventBridge bus and rules with the aliyun CLI (once per account, after `s deploy`).
# Usage: REGION=cn-hangzhou ACCOUNT_ID=1234567890123456 bash infra/eventbridge/create-rules.sh [rule.json …]
# Without arguments it creates the rules in this folder (not examples/). Each file holds the parameters of one
# CreateRule call; ${region}, ${accountId}, ${eventBus}, ${deadLetterQueue}, ${fcService} are filled in here.
# The local cloud (`mirrorflow up`) applies the same files through its EventBridge API.
set -euo pipefail
: "${REGION:?set REGION}" "${ACCOUNT_ID:?set ACCOUNT_ID}"
EVENT_BUS="${MIRRORFLOW_EVENT_BUS:-mirrorflow}"
DEAD_LETTER_QUEUE="${MIRRORFLOW_DEAD_LETTER_QUEUE:-mirrorflow-dlq}"
FC_SERVICE="${MIRRORFLOW_FC_SERVICE:-default}"
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$#" -eq 0 ]; then set -- "$here"/*.json; fi
for file in "$@"; do
  # One line per parameter, filled in: bus, rule, pattern (a JSON string), targets (a JSON array).
  mapfile -t p < <(REGION="$REGION" ACCOUNT_ID="$ACCOUNT_ID" EVENT_BUS="$EVENT_BUS" DLQ="$DEAD_LETTER_QUEUE" \
    FC_SERVICE="$FC_SERVICE" node -e '
      const values = { region: process.env.REGION, accountId: process.env.ACCOUNT_ID, eventBus: process.env.EVENT_BUS,
        deadLetterQueue: process.env.DLQ, fcService: process.env.FC_SERVICE };
      const text = require("fs").readFileSync(process.argv[1], "utf8").replace(/\$\{([A-Za-z]+)\}/g, (w, n) => values[n] ?? w);
      const r = JSON.parse(text);
      for (const v of [r.EventBusName, r.RuleName, r.FilterPattern, JSON.stringify(r.EventTargets ?? [])]) console.log(v);
    ' "$file")
  if out=$(aliyun eventbridge CreateEventBus --EventBusName "${p[0]}" 2>&1); then echo "created bus ${p[0]}"
  elif grep -q EventBusAlreadyExist <<<"$out"; then echo "bus ${p[0]} exists (kept)"
  else echo "$out" >&2; exit 1; fi
  aliyun eventbridge CreateRule --EventBusName "${p[0]}" --RuleName "${p[1]}" \
    --FilterPattern "${p[2]}" --EventTargets "${p[3]}" >/dev/null && echo "created rule ${p[1]}"
done
