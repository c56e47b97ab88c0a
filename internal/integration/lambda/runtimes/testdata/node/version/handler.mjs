// Replies with the Node.js version and flags the worker runs with.
export const handler = async () => ({ version: process.version, execArgv: process.execArgv, path: process.env.PATH });
