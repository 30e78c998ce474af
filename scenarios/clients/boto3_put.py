"""PutItem N one-KB items through boto3 in the given retry mode, 8 at a time.

Usage: python3 boto3_put.py MODE N [MAX_ATTEMPTS]
Reads what bench run --exec sets: AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION
(AWS_DEFAULT_REGION for older botocore), THROTTLEBENCH_TABLE; credentials
come from the instance metadata emulator. Exits 0 whether or not items were
throttled for good: the server measures that.
"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.config
from botocore.exceptions import ClientError

mode, n = sys.argv[1], int(sys.argv[2])
attempts = int(sys.argv[3]) if len(sys.argv) > 3 else 3
cfg = botocore.config.Config(retries={"mode": mode, "max_attempts": attempts}, max_pool_connections=8)
# endpoint_url: botocore before 1.31 does not read AWS_ENDPOINT_URL_DYNAMODB.
client = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"], config=cfg)
table = os.environ["THROTTLEBENCH_TABLE"]


def put(i):
    try:
        client.put_item(TableName=table, Item={"pk": {"S": "k%d" % i}, "p": {"S": "x" * 1000}})
        return True
    except ClientError:
        return False


with ThreadPoolExecutor(8) as ex:
    ok = sum(ex.map(put, range(n)))
print("boto3 %s: %d of %d PutItems succeeded" % (mode, ok, n), file=sys.stderr)
