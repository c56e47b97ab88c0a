// An ES module handler importing a package only a layer provides, and reading Lambda's layer paths.
import greeting from "layer-greeting";
import { execFileSync } from "node:child_process";

export const handler = async () => ({
  greeting: greeting.greeting,
  tool: execFileSync("layer-tool").toString().trim(),
  NODE_PATH: process.env.NODE_PATH,
  LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH,
  version: process.version,
});
