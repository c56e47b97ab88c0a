// A message handler whose management API client names no endpoint: the AWS SDK takes it from
// AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI, which Switchboard sets for its workers.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";

const client = new ApiGatewayManagementApiClient({});

export const handler = async (event) => {
  const { data } = JSON.parse(event.body);
  await client.send(new PostToConnectionCommand({
    ConnectionId: event.requestContext.connectionId,
    Data: `node (no endpoint) posted: ${data}`,
  }));
  return { statusCode: 200 };
};
