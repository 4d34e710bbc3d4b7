// The page's HTML: no inline script or style, a fresh nonce per render, assets from the extension only.
export interface HtmlInput {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function renderHtml(input: HtmlInput): string {
  const cspSource = input.cspSource;
  const [nonce, scriptUri, styleUri] = [input.nonce, input.scriptUri, input.styleUri].map(attr);
  const csp = [`default-src 'none'`, `style-src ${cspSource}`, `img-src ${cspSource}`, `font-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}">
<title>VRAM Lens: memory breakdown</title>
</head>
<body>
<main id="app"><p class="muted" role="status">Analysing…</p></main>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
