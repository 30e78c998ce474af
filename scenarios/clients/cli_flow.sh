#!/bin/sh
# The command-line flow through the AWS CLI v2: put-item, get-item, then a
# batch-write-item of 25 one-KB items resubmitting UnprocessedItems until
# none are left (at most 10 rounds). Reads what bench run --exec sets;
# --endpoint-url because the CLI before 2.13 does not read
# AWS_ENDPOINT_URL_DYNAMODB. Credentials: the instance metadata emulator.
set -eu
aws=${AWS_CLI:-aws}
ep=$AWS_ENDPOINT_URL_DYNAMODB
t=$THROTTLEBENCH_TABLE
$aws --endpoint-url "$ep" dynamodb put-item --table-name "$t" --item '{"pk":{"S":"cli-1"},"v":{"N":"1"}}'
$aws --endpoint-url "$ep" dynamodb get-item --table-name "$t" --key '{"pk":{"S":"cli-1"}}' --output json > /dev/null
pad=$(head -c 1000 /dev/zero | tr '\0' x)
items=$(for i in $(seq 25); do
  if [ "$i" -gt 1 ]; then printf ','; fi
  printf '{"PutRequest":{"Item":{"pk":{"S":"b%d"},"p":{"S":"%s"}}}}' "$i" "$pad"
done)
req="{\"$t\":[$items]}"
for round in $(seq 10); do
  left=$($aws --endpoint-url "$ep" dynamodb batch-write-item --request-items "$req" --query UnprocessedItems --output json)
  # DynamoDB (and the fake) answer "UnprocessedItems": {} when everything
  # was written; the AWS CLI v2 prints nothing for that empty map.
  if [ "$left" = "{}" ] || [ -z "$left" ]; then
    echo "aws-cli: batch written in $round round(s)" >&2
    exit 0
  fi
  req=$left
  sleep 0.5
done
echo "aws-cli: items still unprocessed after 10 rounds" >&2
exit 1
