// Requires the AWS SDK for JavaScript v3 without shipping it, as Lambda's Node.js runtime allows.
const { ApiGatewayManagementApiClient, PostToConnectionCommand } = require('@aws-sdk/client-apigatewaymanagementapi');

exports.handler = async (event) => {
  const client = new ApiGatewayManagementApiClient({ endpoint: event.endpoint, region: 'us-east-1' });
  await client.send(new PostToConnectionCommand({ ConnectionId: event.connectionId, Data: Buffer.from(event.data) }));
  return { posted: true, resolved: require.resolve('@aws-sdk/client-apigatewaymanagementapi') };
};
