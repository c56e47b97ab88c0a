// A TypeScript handler (bundled by Switchboard as CommonJS: package.json does not say "module").
import { greet } from './lib/greet';

interface GreetEvent {
  name: string;
}

export const handler = async (event: GreetEvent) => ({
  greeting: greet(event.name),
  format: typeof module === 'object' ? 'cjs' : 'esm',
});

export const fails = async (): Promise<never> => {
  throw new Error('thrown from TypeScript');
};
