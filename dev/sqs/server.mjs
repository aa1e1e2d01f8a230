// Local SQS emulator for quizgen (development and tests only).
//
// Usage: node server.mjs [port]
//   port:  argv[2], else $SQS_PORT, else 9324
//   host:  $SQS_HOST, else 127.0.0.1 (also used in the queue URLs it reports)
//
// At start it creates the dead-letter queues, then the work queues whose
// RedrivePolicy points at them (the emulator checks that a DLQ exists, so the
// order matters). Queue URLs look like
//   http://127.0.0.1:9324/123456789012/quizgen-generate
// It speaks both the AWS JSON (x-amz-json-1.0, used by aws-sdk-go-v2) and the
// Query protocol. State is in memory only: a restart starts with empty queues.

import { createServer } from "node:http";
import { createRequestHandler } from "local-aws-sqs";

const REGION = "us-east-1";
const ACCOUNT_ID = "123456789012";
const MAX_RECEIVE_COUNT = "5";
// Longer than a generate run (15 min), so a running job is not delivered twice.
const VISIBILITY_TIMEOUT = "900";

const port = Number.parseInt(process.argv[2] ?? process.env.SQS_PORT ?? "9324", 10);
const hostname = process.env.SQS_HOST || "127.0.0.1";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`sqs-emulator: invalid port ${JSON.stringify(process.argv[2] ?? process.env.SQS_PORT)}`);
  process.exit(2);
}

const arn = (name) => `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;

const workQueue = (name, dlq) => ({
  QueueName: name,
  Attributes: {
    VisibilityTimeout: VISIBILITY_TIMEOUT,
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: arn(dlq),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }),
  },
});

const queues = [
  { QueueName: "quizgen-generate-dlq" },
  { QueueName: "quizgen-export-dlq" },
  workQueue("quizgen-generate", "quizgen-generate-dlq"),
  workQueue("quizgen-export", "quizgen-export-dlq"),
];

// createRequestHandler is what createSqsServer uses internally; owning the
// http.Server lets us report listen errors (EADDRINUSE) and shut down cleanly.
let handler;
try {
  handler = createRequestHandler({
    port,
    hostname,
    region: REGION,
    accountId: ACCOUNT_ID,
    queues,
  });
} catch (err) {
  console.error(`sqs-emulator: creating queues failed: ${err?.message ?? err}`);
  process.exit(1);
}
const { service, requestHandler } = handler;

const server = createServer((req, res) => {
  requestHandler(req, res).catch((err) => {
    console.error(`sqs-emulator: request failed: ${err?.stack ?? err}`);
    if (!res.headersSent) {
      res.statusCode = 500;
    }
    res.end();
  });
});

server.on("error", (err) => {
  console.error(`sqs-emulator: ${err.code ?? ""} ${err.message}`);
  process.exit(1);
});

server.listen(port, hostname, () => {
  const addr = server.address();
  if (addr && typeof addr === "object") {
    service.PORT = addr.port; // queue URLs carry the real port (matters for port 0)
  }
  console.log(`sqs-emulator: listening on http://${hostname}:${service.PORT}/ (pid ${process.pid})`);
  for (const q of service.Queues) {
    console.log(`sqs-emulator: queue ${q.QueueUrl}`);
  }
});

const shutdown = (signal) => {
  console.log(`sqs-emulator: ${signal}, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
