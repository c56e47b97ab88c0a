// Replies with the environment and the invocation context as a Node.js handler sees them, for the
// test that compares them with Lambda's documented lists.
export const handler = async (event, context) => {
  const fields = {};
  for (const [k, v] of Object.entries(context)) {
    fields[k] = typeof v === "function" ? "function" : v === undefined ? null : v;
  }
  fields.remainingTimeInMillis = context.getRemainingTimeInMillis();
  return {
    statusCode: 200,
    body: JSON.stringify({ env: process.env, context: fields, version: process.version }),
  };
};
