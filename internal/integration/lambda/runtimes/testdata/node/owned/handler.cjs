// This project installs its own @aws-sdk client, which must win over the one Switchboard provides.
const { source } = require('@aws-sdk/client-apigatewaymanagementapi');

exports.handler = async () => ({ source });
