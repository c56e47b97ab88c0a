// Deliberately broken: a syntax error.
exports.handler = async (event => {
  return event;
};
