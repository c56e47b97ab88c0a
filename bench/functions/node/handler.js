// The Node.js handler of the benchmark's @connections echo, written as for AWS Lambda behind an
// API Gateway WebSocket API: every message is posted back to the connection that sent it with the
// AWS SDK's ApiGatewayManagementApi client. The same file runs under Switchboard (route nodepost)
// and under serverless-offline (the baseline).
//
// The management endpoint differs per host:
//   - AWS: https://{domainName}/{stage}, built from the event.
//   - Switchboard: it sets AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI for its workers, which the
//     SDK reads on its own, so no endpoint is passed.
//   - serverless-offline: it sets IS_OFFLINE; its @connections API is on the WebSocket port
//     (http://localhost:3001 by default, without a stage). OFFLINE_CONNECTIONS_ENDPOINT overrides
//     it (the suite points it at 127.0.0.1 and the port it chose).
"use strict";

const {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} = require("@aws-sdk/client-apigatewaymanagementapi");

const clients = new Map();

function endpointFor(ctx) {
  if (process.env.IS_OFFLINE) {
    return process.env.OFFLINE_CONNECTIONS_ENDPOINT || "http://localhost:3001";
  }
  if (process.env.AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI) {
    return undefined;
  }
  return `https://${ctx.domainName}/${ctx.stage}`;
}

function clientFor(ctx) {
  const endpoint = endpointFor(ctx);
  const key = endpoint || "";
  let client = clients.get(key);
  if (!client) {
    client = new ApiGatewayManagementApiClient(endpoint ? { endpoint } : {});
    clients.set(key, client);
  }
  return client;
}

// connect accepts every connection: serverless-offline refuses WebSocket upgrades without a
// $connect route (Switchboard's benchmark API has an in-process one).
exports.connect = async () => ({ statusCode: 200 });

exports.handler = async (event) => {
  const ctx = event.requestContext;
  await clientFor(ctx).send(
    new PostToConnectionCommand({ ConnectionId: ctx.connectionId, Data: event.body ?? "" }),
  );
  return { statusCode: 200 };
};
