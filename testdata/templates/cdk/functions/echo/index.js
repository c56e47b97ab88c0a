// Replies to every message with what it was sent and the table it was given.
exports.handler = async (event) => {
  if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: 200 };
  return { statusCode: 200, body: `cdk echo: ${event.body} (table ${process.env.TABLE_NAME})` };
};
