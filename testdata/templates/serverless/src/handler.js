'use strict';

module.exports.connect = async () => ({ statusCode: 200 });

module.exports.echo = async (event) => ({
  statusCode: 200,
  body: `${process.env.GREETING} from ${process.env.TABLE_NAME}: ${event.body} (${event.requestContext.authorizer.principalId})`,
});

module.exports.auth = async (event) => {
  const token = event.queryStringParameters && event.queryStringParameters.token;
  if (token !== 'letmein') throw new Error('Unauthorized');
  return {
    principalId: 'sls-user',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
  };
};
