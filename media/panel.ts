// The breakdown page. Receives the report from the host; renders a stacked bar with the usable-memory
// line, a component table and the plan's fields. Plain DOM, themed with --vscode-* variables only.
import { HostMessageSchema, PanelData } from '../src/webview/protocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
const GiB = 1024 ** 3;
const fmt = (b: number) => `${(b / GiB).toFixed(b < GiB ? 2 : 1)} GiB`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function render(d: PanelData, uri: string | undefined) {
  vscode.setState({ data: d, uri });
  app.replaceChildren();
  app.append(el('h1', {}, d.model ?? 'No model'), el('p', { class: `verdict ${d.verdict}` }, d.summary));
  if (d.message) app.append(el('p', { class: 'muted' }, d.message));
  const comps = d.components.filter((c) => c.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  if (comps.length) {
    const total = comps.reduce((t, c) => t + c.bytes, 0);
    const scale = Math.max(total, d.usableBytes) * 1.05;
    const bar = el('div', { class: 'bar', role: 'img', 'aria-label': `Peak ${fmt(total)} per GPU against ${fmt(d.usableBytes)} usable on ${d.gpuName}` });
    comps.forEach((c, i) => {
      const seg = el('div', { class: `seg c${i % 8}`, title: `${c.label}: ${fmt(c.bytes)}` });
      seg.style.width = `${(c.bytes / scale) * 100}%`;
      bar.append(seg);
    });
    const limit = el('div', { class: 'limit', title: `usable: ${fmt(d.usableBytes)}` });
    limit.style.left = `${(d.usableBytes / scale) * 100}%`;
    bar.append(limit);
    app.append(el('h2', {}, `Per GPU at the peak${d.phase ? ` (${d.phase})` : ''}`), bar, el('p', { class: 'muted' }, `Line: ${fmt(d.usableBytes)} usable on ${d.gpuName}`));
    const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Component'), el('th', { scope: 'col', class: 'num' }, 'GiB'), el('th', { scope: 'col', class: 'num' }, 'Share'), el('th', { scope: 'col' }, 'How'))));
    const body = el('tbody');
    comps.forEach((c, i) => {
      body.append(
        el(
          'tr',
          {},
          el('td', {}, el('span', { class: `swatch c${i % 8}`, 'aria-hidden': 'true' }), c.label + (c.pool === 'managed' ? ' (managed)' : '')),
          el('td', { class: 'num' }, (c.bytes / GiB).toFixed(2)),
          el('td', { class: 'num' }, `${Math.round((c.bytes / total) * 100)}%`),
          el('td', { class: 'muted' }, c.formula),
        ),
      );
    });
    table.append(body);
    app.append(table);
  }
  if (d.fields.length) {
    const list = el('table', { class: 'fields' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Setting'), el('th', { scope: 'col' }, 'Value'), el('th', { scope: 'col' }, 'Origin'))));
    const body = el('tbody');
    for (const f of d.fields) {
      const name: Node = f.line !== null ? el('button', { class: 'link', 'data-line': String(f.line), title: `Go to line ${f.line + 1}` }, f.name) : document.createTextNode(f.name);
      body.append(el('tr', {}, el('td', {}, name), el('td', {}, f.value), el('td', { class: 'muted' }, f.origin === 'read' ? `line ${(f.line ?? 0) + 1}` : `${f.origin}: ${f.reason}`)));
    }
    list.append(body);
    app.append(el('h2', {}, 'What was read and assumed'), list);
  }
}

app.addEventListener('click', (ev) => {
  const t = (ev.target as HTMLElement).closest('button[data-line]');
  if (t) vscode.postMessage({ type: 'revealLine', line: Number(t.getAttribute('data-line')) });
});

window.addEventListener('message', (ev) => {
  const parsed = HostMessageSchema.safeParse(ev.data);
  if (parsed.success) render(parsed.data.data, (ev.data as { uri?: string }).uri);
});

const saved = vscode.getState() as { data?: unknown; uri?: string } | undefined;
const restored = saved?.data ? HostMessageSchema.safeParse({ type: 'report', data: saved.data }) : undefined;
if (restored?.success) render(restored.data.data, saved?.uri);
vscode.postMessage({ type: 'ready' });
