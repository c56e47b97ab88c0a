// A CommonJS handler (.cjs).
exports.handler = async (event, context) => ({
  format: typeof require === 'function' && typeof module === 'object' ? 'cjs' : 'esm',
  requestId: context.awsRequestId,
  n: event.n + 1,
});
