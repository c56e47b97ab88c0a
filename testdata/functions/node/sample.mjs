// A message handler written exactly like AWS's WebSocket samples: the management API client is
// built from the event's domain name and stage, and the reply is posted to the caller.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";

export const handler = async (event) => {
  const { domainName, stage, connectionId } = event.requestContext;
  const client = new ApiGatewayManagementApiClient({
    endpoint: `https://${domainName}/${stage}`,
  });
  const { data } = JSON.parse(event.body);
  await client.send(new PostToConnectionCommand({
    ConnectionId: connectionId,
    Data: `node posted: ${data}`,
  }));
  return { statusCode: 200 };
};
