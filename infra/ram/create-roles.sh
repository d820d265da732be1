#!/usr/bin/env bash
# Creates mirrorflow's RAM roles and policies with the aliyun CLI (run once per account, before `s deploy`).
# Usage: REGION=cn-hangzhou ACCOUNT_ID=1234567890123456 EVENT_BUS=mirrorflow DEAD_LETTER_QUEUE=mirrorflow-dlq bash infra/ram/create-roles.sh
# Placeholders ${region}, ${accountId}, ${eventBus}, ${deadLetterQueue} in the policy files are filled in here.
# Re-running is safe: an existing role is kept, an existing policy gets a new default version (RAM keeps five;
# the oldest non-default one is deleted when needed, audit R9).
set -euo pipefail
: "${REGION:?set REGION}" "${ACCOUNT_ID:?set ACCOUNT_ID}"
EVENT_BUS="${EVENT_BUS:-mirrorflow}"
DEAD_LETTER_QUEUE="${DEAD_LETTER_QUEUE:-mirrorflow-dlq}"
cd "$(dirname "$0")"
fill() { sed -e "s/\${region}/$REGION/g" -e "s/\${accountId}/$ACCOUNT_ID/g" -e "s/\${eventBus}/$EVENT_BUS/g" \
  -e "s/\${deadLetterQueue}/$DEAD_LETTER_QUEUE/g" "$1"; }
node -e 'for (const r of require("./roles.json").roles) console.log([r.role, r.trust, r.policy].join(" "))' |
while read -r role trust policy; do
  aliyun ram CreateRole --RoleName "$role" --AssumeRolePolicyDocument "$(cat "$trust")" >/dev/null 2>&1 \
    && echo "created role $role" || echo "role $role exists (kept)"
  aliyun ram CreatePolicy --PolicyName "$role" --PolicyDocument "$(fill "$policy")" >/dev/null 2>&1 \
    && echo "created policy $role" || {
      aliyun ram CreatePolicyVersion --PolicyName "$role" --PolicyDocument "$(fill "$policy")" --SetAsDefault true \
        --RotateStrategy DeleteOldestNonDefaultVersionWhenLimitExceeded >/dev/null \
        && echo "updated policy $role"; }
  aliyun ram AttachPolicyToRole --PolicyType Custom --PolicyName "$role" --RoleName "$role" >/dev/null 2>&1 || true
done
