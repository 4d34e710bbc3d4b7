// Node-side dependencies of the analysis core (file system, WASM location), shared by the CLI and the
// extension host. The webview bundle does without them.
import path from 'node:path';
import { initPythonParser } from './analysis/extract/parser';
import { readLocalModel } from './analysis/models/local';
import { AnalysisDeps } from './analysis/report';

/** wasmDir: the folder with web-tree-sitter.wasm and grammars/ (dist/ in the bundles). */
export async function nodeAnalysisDeps(wasmDir: string): Promise<AnalysisDeps> {
  const pythonParser = await initPythonParser(wasmDir);
  return {
    pythonParser,
    readLocalModel: (ref, fromFile) => {
      const home = process.env.HOME ?? '';
      const expanded = ref.startsWith('~') ? path.join(home, ref.slice(1)) : ref;
      const candidates = path.isAbsolute(expanded) ? [expanded] : [path.resolve(path.dirname(fromFile), expanded), path.resolve(expanded)];
      let last;
      for (const c of candidates) {
        last = readLocalModel(c);
        if (last.spec) return last;
      }
      return last;
    },
  };
}
