// Requires a module that does not exist.
const missing = require('./does-not-exist');
exports.handler = async () => missing;
