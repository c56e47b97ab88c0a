// A TypeScript handler importing the AWS SDK; the bundle leaves @aws-sdk/* external.
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

interface PostEvent {
  endpoint: string;
  connectionId: string;
  data: string;
}

export const handler = async (event: PostEvent): Promise<{ posted: boolean }> => {
  const client = new ApiGatewayManagementApiClient({ endpoint: event.endpoint, region: 'us-east-1' });
  await client.send(
    new PostToConnectionCommand({ ConnectionId: event.connectionId, Data: new TextEncoder().encode(event.data) }),
  );
  return { posted: true };
};
