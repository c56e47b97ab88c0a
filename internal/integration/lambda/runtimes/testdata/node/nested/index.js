// Handlers nested in an object, addressed as "nested/index.handlers.ws.connect".
module.exports.handlers = {
  ws: {
    connect: async (event) => ({ route: 'connect', id: event.requestContext.connectionId }),
  },
};
