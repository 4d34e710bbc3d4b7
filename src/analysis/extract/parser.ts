// web-tree-sitter runtime and the Python grammar, loaded once from the folder that holds the .wasm files
// (dist/ in the bundles: esbuild.mjs copies them there).
import { Language, Parser } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;
let loadedFrom: string | undefined;

/** `dir/name` without node:path (src/analysis stays free of Node modules); '/' works on Windows too. */
function join(dir: string, ...names: string[]): string {
  return [dir.replace(/[\\/]+$/, ''), ...names].join('/');
}

/** Memoised: the first call loads the WASM runtime and the grammar; later calls reuse the parser. */
export function initPythonParser(wasmDir: string): Promise<Parser> {
  if (loading && loadedFrom === wasmDir) return loading;
  loadedFrom = wasmDir;
  loading = (async () => {
    await Parser.init({ locateFile: (name: string) => join(wasmDir, name) });
    const language = await Language.load(join(wasmDir, 'grammars', 'tree-sitter-python.wasm'));
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
