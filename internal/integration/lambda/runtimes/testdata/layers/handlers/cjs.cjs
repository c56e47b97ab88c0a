// A CommonJS handler requiring a package that the layer provides under nodejs/node{major}/node_modules.
exports.handler = async () => ({ greeting: require("layer-greeting").greeting, zipped: require("layer-zipped").zipped });
