// The smallest Node.js handler: what a cold start costs beyond the runtime itself.
export const handler = async (event) => ({ echo: event.echo });
