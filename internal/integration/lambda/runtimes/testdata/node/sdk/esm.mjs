// Imports the AWS SDK for JavaScript v3 without shipping it, as Lambda's Node.js runtime allows.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

export const handler = async (event) => {
  const client = new ApiGatewayManagementApiClient({ endpoint: event.endpoint, region: 'us-east-1' });
  await client.send(
    new PostToConnectionCommand({ ConnectionId: event.connectionId, Data: new TextEncoder().encode(event.data) }),
  );
  return { posted: true, resolved: import.meta.resolve('@aws-sdk/client-apigatewaymanagementapi') };
};
