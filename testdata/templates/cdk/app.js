// A CDK app using aws-cdk-lib's WebSocketApi and WebSocketStage, as the seeds write them. The
// end-to-end test synthesizes it offline (`node app.js OUTDIR`, no AWS account) and runs the
// cdk.out template with `serve --template`.
const path = require('node:path');
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const apigwv2 = require('aws-cdk-lib/aws-apigatewayv2');
const { WebSocketLambdaIntegration } = require('aws-cdk-lib/aws-apigatewayv2-integrations');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');

// The CDK CLI sets this context; running the app directly needs it for aws:asset:path metadata.
const app = new cdk.App({ outdir: process.argv[2], context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new cdk.Stack(app, 'ChatStack');

const table = new dynamodb.Table(stack, 'Connections', {
  partitionKey: { name: 'connectionId', type: dynamodb.AttributeType.STRING },
});
const echo = new lambda.Function(stack, 'EchoHandler', {
  runtime: lambda.Runtime.NODEJS_20_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'functions', 'echo')),
  environment: { TABLE_NAME: table.tableName },
  timeout: cdk.Duration.seconds(5),
});
const py = new lambda.Function(stack, 'PyHandler', {
  runtime: lambda.Runtime.PYTHON_3_12,
  handler: 'handler.main',
  code: lambda.Code.fromAsset(path.join(__dirname, 'functions', 'py')),
});
table.grantReadWriteData(echo);

const api = new apigwv2.WebSocketApi(stack, 'ChatApi', {
  apiName: 'cdk-chat',
  connectRouteOptions: { integration: new WebSocketLambdaIntegration('Connect', echo) },
});
api.addRoute('echo', { integration: new WebSocketLambdaIntegration('Echo', echo), returnResponse: true });
api.addRoute('python', { integration: new WebSocketLambdaIntegration('Python', py), returnResponse: true });
const stage = new apigwv2.WebSocketStage(stack, 'Stage', {
  webSocketApi: api,
  stageName: 'dev',
  autoDeploy: true,
  throttle: { rateLimit: 100, burstLimit: 50 },
});
stage.grantManagementApiAccess(echo);
app.synth();
