// Error shapes through the AWS SDK for JavaScript v3: sends the requests
// cmd/bench/clients_test.go's TestJavaScriptSDKErrorShapes lists (one JSON
// request per line on stdin: {"op": "PutItem" | "TransactWriteItems", "input": {...}}),
// with no retry, and prints one line per request: how the SDK parsed the
// answer (error name, message, CancellationReasons, ThrottlingReasons).
//
// Usage: node js_shapes.js < requests   (NODE_PATH: .ci/node/node_modules)
// Reads AWS_ENDPOINT_URL_DYNAMODB and AWS_REGION; credentials come from the
// instance metadata emulator through the SDK's default chain.
const { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } = require("@aws-sdk/client-dynamodb");

const client = new DynamoDBClient({ maxAttempts: 1 });
const commands = { PutItem: PutItemCommand, TransactWriteItems: TransactWriteItemsCommand };

async function main() {
  const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.trim() !== "");
  for (const line of lines) {
    const req = JSON.parse(line);
    const out = {};
    try {
      await client.send(new commands[req.op](req.input));
      out.name = "ok";
    } catch (e) {
      if (!e.$metadata) throw e; // not an answer from the service
      out.name = e.name;
      out.message = e.message;
      if (e.CancellationReasons) {
        out.CancellationReasons = e.CancellationReasons.map((r) => ({ Code: r.Code, Message: r.Message }));
      }
      if (e.ThrottlingReasons) {
        out.ThrottlingReasons = e.ThrottlingReasons.map((r) => ({ reason: r.reason, resource: r.resource }));
      }
    }
    console.log(JSON.stringify(out));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
