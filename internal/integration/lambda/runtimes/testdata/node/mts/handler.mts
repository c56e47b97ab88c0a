// A TypeScript ES module handler (.mts), using top-level await.
const prefix: string = await Promise.resolve('mts');

export async function handler(event: { n: number }): Promise<{ prefix: string; n: number; format: string }> {
  return { prefix, n: event.n * 2, format: typeof module === 'undefined' ? 'esm' : 'cjs' };
}
