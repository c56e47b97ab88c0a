// A .js handler loaded with import(), because package.json says "type": "module".
const greeting = await Promise.resolve('top-level await works');
export const handler = async () => ({ format: typeof module === 'undefined' ? 'esm' : 'cjs', greeting });
