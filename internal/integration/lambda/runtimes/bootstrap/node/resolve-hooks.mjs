// Module resolution hooks (see resolve-register.mjs) for what Lambda's Node.js runtime puts on the
// module path and ES module imports cannot find on their own: a bare specifier that the importing
// module cannot resolve is resolved again as if imported from each layer parent URL in turn (the
// layers' nodejs/node{major}/node_modules and nodejs/node_modules, as Lambda lets ES modules import
// from /opt), and for @aws-sdk/* specifiers from each SDK parent URL too (the AWS SDK that Lambda's
// runtime provides). What the user's own project provides always wins, because ordinary resolution
// is tried first.

let layerParents = [];
let sdkParents = [];

export function initialize(data) {
  layerParents = Array.isArray(data?.layers) ? data.layers : [];
  sdkParents = Array.isArray(data?.sdk) ? data.sdk : [];
}

// isBare reports whether specifier names a package rather than a path or URL.
function isBare(specifier) {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) {
      throw err;
    }
    const parents = specifier.startsWith('@aws-sdk/') ? [...layerParents, ...sdkParents] : layerParents;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (retryErr) {
        if (retryErr?.code !== 'ERR_MODULE_NOT_FOUND') {
          throw retryErr;
        }
      }
    }
    throw err;
  }
}
