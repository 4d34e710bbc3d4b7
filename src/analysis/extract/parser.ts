// web-tree-sitter runtime and the Python grammar, loaded once from the folder that holds the .wasm files
// (dist/ in the bundles: esbuild.mjs copies them there).
import path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;
let loadedFrom: string | undefined;

/** Memoised: the first call loads the WASM runtime and the grammar; later calls reuse the parser. */
export function initPythonParser(wasmDir: string): Promise<Parser> {
  if (loading && loadedFrom === wasmDir) return loading;
  loadedFrom = wasmDir;
  loading = (async () => {
    await Parser.init({ locateFile: (name: string) => path.join(wasmDir, name) });
    const language = await Language.load(path.join(wasmDir, 'grammars', 'tree-sitter-python.wasm'));
    // tree-sitter-python 0.25 is ABI 15; web-tree-sitter 0.27 reads 13-15 (docs/sources/vscode-engineering.md, "web-tree-sitter in an esbuild bundle").
    const abi = language.abiVersion;
    if (abi < 13 || abi > 15) throw new Error(`tree-sitter-python.wasm has ABI ${abi}; this runtime reads 13-15`);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
