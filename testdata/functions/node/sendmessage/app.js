// sendmessage, written the way AWS's current WebSocket chat sample (aws-samples/
// simple-websockets-chat-app) writes it: an ES module whose ApiGatewayManagementApiClient is built
// from event.requestContext.apiId, process.env.AWS_REGION and the stage, so it addresses
// https://{apiId}.execute-api.{region}.amazonaws.com/{stage}. The sample scans a DynamoDB table for
// the connection ids; here the $connect handler keeps them in $CONNECTIONS_FILE. Before posting,
// it calls another HTTPS service ($SERVICE_URL, whose CA is $SERVICE_CA), as handlers call other
// services.
import { readFile } from "node:fs/promises";
import https from "node:https";
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";

const { CONNECTIONS_FILE, SERVICE_URL, SERVICE_CA } = process.env;

const callService = async () => {
  const ca = await readFile(SERVICE_CA);
  return new Promise((resolve, reject) => {
    https.get(SERVICE_URL, { ca }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
};

export const handler = async (event) => {
  const connectionIds = (await readFile(CONNECTIONS_FILE, "utf8")).split("\n").filter(Boolean);

  const apigwManagementApi = new ApiGatewayManagementApiClient({
    endpoint: `https://${event.requestContext.apiId}.execute-api.${process.env.AWS_REGION}.amazonaws.com/${event.requestContext.stage}`
  });

  const postData = JSON.parse(event.body).data;
  const service = await callService();

  const postCalls = connectionIds.map(async (connectionId) => {
    const postCmd = new PostToConnectionCommand({ ConnectionId: connectionId, Data: `node: ${postData} (service: ${service})` });
    await apigwManagementApi.send(postCmd);
  });

  try {
    await Promise.all(postCalls);
  } catch (e) {
    return { statusCode: 500, body: e.stack };
  }

  return { statusCode: 200, body: 'Data sent.' };
};
