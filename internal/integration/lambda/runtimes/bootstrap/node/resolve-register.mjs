// Preloaded with `node --import <this file>` when an ES module handler may import packages that
// Lambda's Node.js runtime provides outside the project: from layers (SWITCHBOARD_NODE_LAYER_PARENTS)
// or the AWS SDK for JavaScript v3 (SWITCHBOARD_NODE_SDK_PARENTS), each a JSON array of file: URLs
// to resolve from. It registers resolve-hooks.mjs. CommonJS require() uses NODE_PATH instead, which
// Switchboard sets to the same places.

import { register } from 'node:module';

function parents(name) {
  try {
    const list = JSON.parse(process.env[name] || '[]');
    return Array.isArray(list) ? list : [];
  } catch (err) {
    process.stderr.write(`switchboard bootstrap: ignoring malformed ${name}: ${err.message}\n`);
    return [];
  }
}

const layers = parents('SWITCHBOARD_NODE_LAYER_PARENTS');
const sdk = parents('SWITCHBOARD_NODE_SDK_PARENTS');
if (layers.length > 0 || sdk.length > 0) {
  register('./resolve-hooks.mjs', import.meta.url, { data: { layers, sdk } });
}
