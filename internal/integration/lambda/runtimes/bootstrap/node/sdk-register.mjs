// Preloaded with `node --import <this file>` when a handler uses AWS SDK for JavaScript v3
// packages that Switchboard provides (as Lambda's Node.js runtime does). It registers
// sdk-hooks.mjs, which lets ES module imports of @aws-sdk/* fall back to the directories named in
// SWITCHBOARD_NODE_SDK_PARENTS (a JSON array of file: URLs to resolve from). CommonJS require()
// uses NODE_PATH instead, which Switchboard sets to the same places.

import { register } from 'node:module';

let parents = [];
try {
  parents = JSON.parse(process.env.SWITCHBOARD_NODE_SDK_PARENTS || '[]');
} catch (err) {
  process.stderr.write(`switchboard bootstrap: ignoring malformed SWITCHBOARD_NODE_SDK_PARENTS: ${err.message}\n`);
}
if (Array.isArray(parents) && parents.length > 0) {
  register('./sdk-hooks.mjs', import.meta.url, { data: { parents } });
}
