// Entry point of the integration suite (`extensionTestsPath`): VS Code loads this module in the
// extension host and awaits run(). Runs mocha over every *.test.js compiled next to this file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type MochaType from 'mocha';

/** Marker line that scripts/run-integration.mjs reads the counts from (spec summary lines are the fallback). */
export const STATS_MARKER = 'VRAM_LENS_MOCHA_STATS';

function loadMocha(): typeof MochaType {
  // mocha 12 is an ES module re-exporting a CJS build. require(esm) hands back the class itself on
  // Node 24 (the extension host) and a namespace with `default` on Node 20: accept both.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('mocha') as typeof MochaType | { default: typeof MochaType };
  return typeof mod === 'function' ? mod : mod.default;
}

export function run(): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({ ui: 'bdd', timeout: 30000, color: false, reporter: 'spec' });
  const grep = process.env.VRAM_LENS_IT_GREP;
  if (grep) mocha.grep(grep);

  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const s = runner.stats;
        console.log(
          `${STATS_MARKER} ${JSON.stringify({
            passed: s?.passes ?? 0,
            failed: failures,
            pending: s?.pending ?? 0,
            files: files.length,
          })}`,
        );
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else if (files.length === 0) reject(new Error(`No *.test.js files in ${__dirname}`));
        else resolve();
      });
    } catch (e) {
      reject(e);
    }
  });
}
