// A CommonJS handler that loads the AWS SDK for JavaScript v3 with a dynamic import(), which
// NODE_PATH does not serve: the worker needs Switchboard's resolution hooks.
exports.handler = async (event) => {
  const { ApiGatewayManagementApiClient, PostToConnectionCommand } = await import('@aws-sdk/client-apigatewaymanagementapi');
  const client = new ApiGatewayManagementApiClient({ endpoint: event.endpoint, region: 'us-east-1' });
  await client.send(new PostToConnectionCommand({ ConnectionId: event.connectionId, Data: Buffer.from(event.data) }));
  return { posted: true };
};
