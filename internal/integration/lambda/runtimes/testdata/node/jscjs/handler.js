// A .js handler loaded with require(), because package.json does not say "type": "module".
module.exports.handler = async () => ({ format: typeof module === 'object' ? 'cjs' : 'esm' });
