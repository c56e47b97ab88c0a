// Module resolution hooks (see sdk-register.mjs): a bare @aws-sdk/* specifier that the importing
// module cannot resolve is resolved again as if imported from each parent URL in turn. A package
// the user's project provides always wins, because ordinary resolution is tried first.

let parents = [];

export function initialize(data) {
  parents = Array.isArray(data?.parents) ? data.parents : [];
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!specifier.startsWith('@aws-sdk/') || err?.code !== 'ERR_MODULE_NOT_FOUND') {
      throw err;
    }
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
