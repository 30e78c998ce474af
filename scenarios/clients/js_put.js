// PutItem N one-KB items through the AWS SDK for JavaScript v3 in the given
// retry mode, 8 at a time.
//
// Usage: node js_put.js MODE N [MAX_ATTEMPTS]   (NODE_PATH: .ci/node/node_modules)
// Reads what bench run --exec sets: AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION,
// THROTTLEBENCH_TABLE; credentials come from the instance metadata emulator
// through the SDK's default chain.
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");

const [mode, n, attempts] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] || 3)];
const client = new DynamoDBClient({ retryMode: mode, maxAttempts: attempts });
const table = process.env.THROTTLEBENCH_TABLE;

async function main() {
  let next = 0, ok = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      try {
        await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "k" + i }, p: { S: "x".repeat(1000) } } }));
        ok++;
      } catch (e) {
        if (!e.$metadata) throw e; // not an answer from the service
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
  console.error(`aws-sdk-js ${mode}: ${ok} of ${n} PutItems succeeded`);
}
main().catch((e) => { console.error(e); process.exit(1); });
