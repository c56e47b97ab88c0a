// An ES module handler (.mjs) that reports what it received.
export const handler = async (event, context) => {
  console.log(`esm handler got ${event.message}`);
  return {
    echo: event,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remainingPositive: context.getRemainingTimeInMillis() > 0,
    waits: context.callbackWaitsForEmptyEventLoop,
    traceId: process.env._X_AMZN_TRACE_ID,
    format: typeof require === 'undefined' ? 'esm' : 'cjs',
  };
};
