// The breakdown page. The host sends the file's model, set-up and plan; the page draws the memory per GPU
// as a stacked bar against the target GPU's usable memory, and recomputes it with the same engine
// (bundled here) on every what-if change, without a round trip. Plain DOM, themed with --vscode-* only,
// every control labelled and keyboard operable. Host messages and page messages are validated with zod.
import '../src/jitless';
import type { Component } from '../src/analysis/memory/component';
import type { TrainingPlan } from '../src/analysis/plan/plan';
import type { WhatIfChange } from '../src/analysis/remedies/apply';
import { formatGiB, formatGiBRange, GiB } from '../src/analysis/units';
import { toJson, toMarkdown, phaseLabel, verdictLabel } from '../src/webview/export';
import { TimeModelOverrides } from '../src/analysis/hardware/time';
import { HardwareRow, suggestHardware } from '../src/webview/hardware';
import { HostMessage, HostMessageSchema, PageMessage, PanelData, PanelDataSchema, WhatIfChangeSchema } from '../src/webview/protocol';
import {
  ATTENTION_LABELS,
  changesOf,
  componentLabel,
  Controls,
  displayValue,
  evaluate,
  Evaluation,
  FIELD_LABELS,
  fileControls,
  OPTIMIZER_LABELS,
  QUANT_LABELS,
  sameTargets,
  spreadOfPage,
  SHARDING_LABELS,
  targetPresets,
  Targets,
} from '../src/webview/scenario';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;

/** A label for every plan field, preference/RL ones included (typed by the plan: a new field needs its label). */
const PLAN_LABELS: Record<keyof TrainingPlan, string> = {
  method: 'Training method',
  weightDtype: 'Weight dtype',
  quantization: 'Quantization',
  doubleQuant: 'Double quantization',
  autocast: 'Mixed precision (autocast)',
  kbitUpcast: 'k-bit preparation (fp32 norms)',
  loraR: 'LoRA rank',
  loraTargets: 'LoRA targets',
  loraDropout: 'LoRA dropout',
  loraDtype: 'Adapter dtype',
  dora: 'DoRA',
  modulesToSave: 'Modules to save',
  optimizer: 'Optimizer',
  microBatch: 'Micro-batch per GPU',
  seqLen: 'Sequence length',
  gradAccumulation: 'Gradient accumulation',
  gradientCheckpointing: 'Gradient checkpointing',
  activationOffload: 'Activation offload',
  attention: 'Attention',
  loss: 'Loss',
  compiled: 'torch.compile',
  gpus: 'GPU count',
  sharding: 'Sharding',
  offloadOptimizer: 'CPU optimizer offload',
  offloadParams: 'CPU parameter offload',
  optimizerInBackward: 'Optimizer step in backward',
  task: 'Task (head)',
  packing: 'Packed sequences',
  originalsOffloaded: 'Frozen originals on the CPU',
  jobKind: 'Job (trainer)',
  reference: 'Reference model',
  referenceDtype: 'Reference dtype',
  numGenerations: 'Completions per prompt',
  promptLength: 'Prompt length',
  completionLength: 'Completion length',
  generationBatch: 'Sequences generated at once',
  generation: 'Generation engine',
  vllmMemoryUtilization: 'vLLM GPU memory share',
  vllmSleep: 'vLLM sleep between generations',
};

// ---- state ---------------------------------------------------------------------------------------

interface State {
  data: PanelData;
  /** controls the user changed, by field (kept across re-analyses of the same file) */
  overrides: Partial<Controls>;
}

let state: State | undefined;
let fileEval: Evaluation | undefined;
let view: Evaluation | undefined;
let hardware: HardwareRow[] = [];
/** fitting GPU types listed before "Show N more" */
const HARDWARE_ROWS = 8;
let showAllHardware = false;
/** the last "Apply to file" outcome, shown again after the re-analysis that the edit causes */
let applyResult: { text: string; warn: boolean } | null = null;

function save() {
  if (state) vscode.setState({ uri: state.data.uri, data: state.data, overrides: state.overrides });
}

function post(m: PageMessage) {
  vscode.postMessage(m);
}

function controlsNow(): Controls | null {
  if (!state) return null;
  const file = fileControls(state.data);
  return file ? { ...file, ...state.overrides } : null;
}

// ---- DOM helpers ---------------------------------------------------------------------------------

type Attrs = Record<string, string | boolean | undefined>;
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}
const gib = (b: number) => (b / GiB).toFixed(2);
const signedGiB = (b: number) => (Math.abs(b) < 0.005 * GiB ? '±0' : `${b > 0 ? '+' : '−'}${formatGiB(Math.abs(b))}`);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;

// ---- rendering: the whole page for a report -----------------------------------------------------

function renderReport() {
  const d = state!.data;
  app.replaceChildren();
  const title = d.model?.ref ?? 'No model';
  const shapes = d.model?.id && d.model.id !== d.model.ref ? el('p', { class: 'muted' }, `Architecture of ${d.model.id}`) : null;
  app.append(
    el(
      'header',
      {},
      el('h1', {}, title, el('span', { class: 'file' }, ` · ${d.fileName}`)),
      shapes,
      el('p', { id: 'verdict', class: 'verdict' }),
      el('p', { id: 'delta', class: 'delta' }),
    ),
  );
  if (d.measured) app.append(measuredSection(d.measured));
  if (!d.spec || !d.setup) {
    byId('verdict')!.textContent = d.summary;
    app.append(el('p', { class: 'message' }, d.message ?? 'No estimate for this file.'));
    if (d.fields.length) app.append(assumptionsSection(d));
    fileEval = view = undefined;
    post({ type: 'rendered', uri: d.uri, fileRequiredBytes: null, scenarioRequiredBytes: null, changes: 0 });
    return;
  }
  fileEval = evaluate(d, fileControls(d)!);
  const layout = el('div', { class: 'layout' });
  layout.append(chartSection(), controlsSection(d));
  app.append(layout, hardwareSection(), assumptionsSection(d), exportSection());
  app.append(el('div', { id: 'live', class: 'sr-only', role: 'status', 'aria-live': 'polite' }));
  update(false);
}

function chartSection(): HTMLElement {
  return el(
    'section',
    { class: 'chart', 'aria-labelledby': 'h-memory' },
    el('h2', { id: 'h-memory' }, 'Memory per GPU'),
    el('div', { id: 'bars', class: 'bars' }),
    el('p', { id: 'paged', class: 'muted', hidden: true }),
    el('table', { id: 'components', class: 'components' }),
  );
}

// ---- what-if controls ------------------------------------------------------------------------------

type Option = { value: string; label: string };

function field(name: keyof Controls, control: HTMLElement, d: PanelData, note?: string): HTMLElement {
  const id = `c-${name}`;
  control.id = id;
  control.setAttribute('aria-describedby', `${id}-was`);
  control.dataset.field = name;
  const line = d.fields.find((f) => f.name === name && f.line !== null)?.line ?? null;
  const was = el('span', { id: `${id}-was`, class: 'was' });
  return el(
    'div',
    { class: 'field', 'data-field': name },
    el('label', { for: id }, FIELD_LABELS[name]),
    control,
    el(
      'div',
      { class: 'hint' },
      was,
      line !== null
        ? el(
            'button',
            { type: 'button', class: 'link', 'data-line': String(line), 'aria-label': `Show ${FIELD_LABELS[name]} on line ${line + 1} in the editor` },
            `line ${line + 1}`,
          )
        : null,
      note ? el('span', { class: 'muted' }, note) : null,
    ),
  );
}

function select(options: Option[]): HTMLSelectElement {
  const s = el('select');
  for (const o of options) s.append(el('option', { value: o.value }, o.label));
  return s;
}

function numberInput(min: number, max: number): HTMLInputElement {
  return el('input', { type: 'number', min: String(min), max: String(max), step: '1', inputmode: 'numeric' });
}

function checkbox(): HTMLInputElement {
  return el('input', { type: 'checkbox' });
}

const targetKey = (t: Targets) => (t === 'all-linear' ? t : JSON.stringify(t));

function controlsSection(d: PanelData): HTMLElement {
  const file = fileControls(d)!;
  const opts = <T extends string>(labels: Record<T, string>, keep: T[], current: T): Option[] =>
    (Object.keys(labels) as T[]).filter((k) => keep.includes(k) || k === current).map((k) => ({ value: k, label: labels[k] }));
  const ranks = [...new Set([4, 8, 16, 32, 64, 128, 256, file.loraR])].sort((a, b) => a - b);
  const form = el('form', { id: 'whatif', class: 'whatif', 'aria-describedby': 'whatif-help' });
  form.append(
    el('p', { id: 'whatif-help', class: 'muted' }, 'Change a setting to recompute here; the file changes only when you apply.'),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Job'),
      field('microBatch', numberInput(1, 4096), d),
      field('seqLen', numberInput(1, 1_048_576), d),
      field('gradientCheckpointing', checkbox(), d),
      field('attention', select(opts(ATTENTION_LABELS, ['sdpa', 'flash_attention_2', 'eager'], file.attention)), d),
      field(
        'optimizer',
        select(
          opts(
            OPTIMIZER_LABELS,
            ['adamw', 'adamw_fused', 'adamw_8bit', 'paged_adamw_8bit', 'paged_adamw_32bit', 'adafactor', 'lion', 'lion_8bit', 'sgd'],
            file.optimizer,
          ),
        ),
        d,
      ),
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Model'),
      field(
        'method',
        select([
          { value: 'full', label: 'Full fine-tune' },
          { value: 'lora', label: 'LoRA adapters' },
        ]),
        d,
      ),
      field('quantization', select(opts(QUANT_LABELS, ['none', 'int8', 'nf4'], file.quantization)), d),
      field('loraR', select(ranks.map((r) => ({ value: String(r), label: String(r) }))), d),
      field('loraTargets', select(targetPresets(d).map((p) => ({ value: targetKey(p.value), label: p.label }))), d),
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Hardware'),
      field('gpu', select(d.gpus.map((g) => ({ value: g.id, label: `${g.name} (${g.memoryGiB.toFixed(0)} GiB)` }))), d),
      field('gpus', numberInput(1, 4096), d),
      field('sharding', select(opts(SHARDING_LABELS, ['none', 'fsdp', 'fsdp_grad_op', 'fsdp_hybrid', 'zero1', 'zero2', 'zero3'], file.sharding)), d),
      field('offloadOptimizer', checkbox(), d),
    ),
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'button', id: 'apply' }, 'Apply to file'),
      el('button', { type: 'button', id: 'reset', class: 'secondary' }, 'Reset to file'),
    ),
    el('p', { id: 'apply-result', class: 'apply-result', role: 'status' }),
  );
  return el('section', { class: 'controls', 'aria-labelledby': 'h-whatif' }, el('h2', { id: 'h-whatif' }, 'What if…'), form);
}

/** Puts the controls' values into the form (after a report, a reset, or "Try" on a GPU row). */
function syncForm(c: Controls) {
  const file = fileControls(state!.data)!;
  for (const name of Object.keys(FIELD_LABELS) as (keyof Controls)[]) {
    const input = byId<HTMLInputElement | HTMLSelectElement>(`c-${name}`);
    if (!input) continue;
    const v = c[name];
    if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = v as boolean;
    else if (name === 'loraTargets') input.value = targetKey(v as Targets);
    else if (input instanceof HTMLInputElement && document.activeElement === input && Number(input.value) === v) {
      // the user is typing this number: leave the text as it is
    } else input.value = String(v);
    input.removeAttribute('aria-invalid');
    const changed = name === 'loraTargets' ? !sameTargets(v as Targets, file.loraTargets) : v !== file[name];
    input.closest('.field')?.classList.toggle('changed', changed);
    const was = byId(`c-${name}-was`);
    if (was) was.textContent = changed ? `file: ${displayValue(name, file[name])}` : '';
  }
  const adapters = c.method === 'lora' || c.quantization !== 'none';
  for (const name of ['loraR', 'loraTargets'] as const) {
    const i = byId<HTMLSelectElement>(`c-${name}`)!;
    i.disabled = !adapters;
    i.title = adapters ? '' : 'Only with LoRA adapters';
  }
  const off = byId<HTMLInputElement>('c-offloadOptimizer')!;
  off.disabled = c.sharding === 'none' || c.sharding === 'ddp';
  off.title = off.disabled ? 'Needs FSDP or DeepSpeed sharding' : '';
}

function readControl(name: keyof Controls, input: HTMLInputElement | HTMLSelectElement): { ok: true; value: Controls[keyof Controls] } | { ok: false } {
  if (input instanceof HTMLInputElement && input.type === 'checkbox') return { ok: true, value: input.checked };
  if (input instanceof HTMLInputElement && input.type === 'number') {
    const n = Number(input.value);
    const min = Number(input.min);
    const max = Number(input.max);
    return Number.isInteger(n) && n >= min && n <= max ? { ok: true, value: n } : { ok: false };
  }
  if (name === 'loraR') return { ok: true, value: Number(input.value) };
  if (name === 'loraTargets') {
    const t: Targets = input.value === 'all-linear' ? 'all-linear' : (JSON.parse(input.value) as string[]);
    return { ok: true, value: t };
  }
  return { ok: true, value: input.value as Controls[keyof Controls] };
}

function setOverride<K extends keyof Controls>(name: K, value: Controls[K]) {
  const file = fileControls(state!.data)!;
  const same = name === 'loraTargets' ? sameTargets(value as Targets, file.loraTargets) : value === file[name];
  if (same) delete state!.overrides[name];
  else state!.overrides[name] = value;
}

function onControl(ev: Event) {
  const input = ev.target as HTMLInputElement | HTMLSelectElement;
  const name = input.dataset.field as keyof Controls | undefined;
  if (!name || !state) return;
  const r = readControl(name, input);
  if (!r.ok) {
    input.setAttribute('aria-invalid', 'true');
    return;
  }
  input.removeAttribute('aria-invalid');
  setOverride(name, r.value as never);
  const c = controlsNow()!;
  // A quantized model trains through adapters; a full fine-tune is not quantized (plan.ts).
  if (name === 'quantization' && c.quantization !== 'none' && c.method === 'full') setOverride('method', 'lora');
  if (name === 'method' && c.method === 'full' && c.quantization !== 'none') setOverride('quantization', 'none');
  if (name === 'sharding' && (c.sharding === 'none' || c.sharding === 'ddp')) setOverride('offloadOptimizer', false);
  applyResult = null;
  showApplyResult();
  update(true);
}

// ---- recompute and redraw ------------------------------------------------------------------------------

let announceTimer: ReturnType<typeof setTimeout> | undefined;

function update(announce: boolean) {
  const d = state!.data;
  const c = controlsNow()!;
  syncForm(c);
  try {
    view = evaluate(d, c);
  } catch (e) {
    // the engine never throws on valid input; if it ever does, say so instead of leaving a stale picture
    byId('verdict')!.textContent = `Could not compute this what-if: ${(e as Error).message}`;
    return;
  }
  const changes = changesOf(d, c);
  const file = fileEval!;
  const v = byId('verdict')!;
  v.className = `verdict ${view.verdict}`;
  // the band of the what-if's own class (a change of method or sharding changes it)
  const sp = view.spread;
  const req = view.estimate.requiredBytes;
  v.textContent = `≈ ${formatGiBRange(req, req * sp.low, req * sp.high)} per GPU · ${verdictLabel(view.verdict)} on ${view.count}× ${view.gpu.name} (${formatGiB(view.usableBytes)} usable) · peak in the ${phaseLabel(view.estimate.phase)}`;
  const delta = byId('delta')!;
  delta.textContent = changes.length
    ? `What-if with ${changes.length} change${changes.length > 1 ? 's' : ''}: ${signedGiB(view.estimate.requiredBytes - file.estimate.requiredBytes)} per GPU against the file (${formatGiB(file.estimate.requiredBytes)}, ${verdictLabel(file.verdict)} on ${file.count}× ${file.gpu.name}).`
    : `As in the file · ${view.estimate.params.trainable.toLocaleString('en-US')} trainable of ${view.estimate.params.total.toLocaleString('en-US')} parameters.`;
  drawBars(changes.length > 0);
  drawTable(changes.length > 0);
  drawHardware();
  const apply = byId<HTMLButtonElement>('apply')!;
  apply.disabled = changes.length === 0;
  apply.textContent = changes.length ? `Apply ${changes.length} change${changes.length > 1 ? 's' : ''} to file` : 'Apply to file';
  byId<HTMLButtonElement>('reset')!.disabled = changes.length === 0;
  save();
  clearTimeout(announceTimer);
  const report = () => {
    if (announce) byId('live')!.textContent = v.textContent ?? '';
    post({
      type: 'rendered',
      uri: d.uri,
      fileRequiredBytes: file.estimate.requiredBytes,
      scenarioRequiredBytes: view!.estimate.requiredBytes,
      changes: changes.length,
    });
  };
  if (announce) announceTimer = setTimeout(report, 350);
  else report();
}

function barOf(e: Evaluation, label: string, scale: number, headroom: number): HTMLElement {
  const total = e.estimate.requiredBytes;
  const parts = e.groups.filter((g) => g.bytes > 0).map((g) => `${g.label} ${formatGiB(g.bytes)}`);
  const aria = `${label}: ${formatGiB(total)} per GPU, ${verdictLabel(e.verdict)} in ${formatGiB(e.usableBytes)} usable on ${e.gpu.name}. ${parts.join(', ')}.`;
  const bar = el('div', { class: 'bar', role: 'img', 'aria-label': aria });
  for (const g of e.groups) {
    if (g.bytes <= 0) continue;
    const w = (g.bytes / scale) * 100;
    const seg = el(
      'div',
      { class: `seg g-${g.id}`, title: `${g.label}: ${formatGiB(g.bytes)} (${Math.round((g.bytes / total) * 100)}%)` },
      w > 9 ? el('span', {}, `${g.label} ${(g.bytes / GiB).toFixed(1)}`) : null,
    );
    seg.style.width = `${w}%`;
    bar.append(seg);
  }
  const paged = e.groups.reduce((t, g) => t + g.pagedBytes, 0);
  if (paged > 0) {
    const seg = el('div', { class: 'seg paged', title: `Paged optimizer state: ${formatGiB(paged)} (CUDA managed memory, not counted)` });
    seg.style.width = `${(paged / scale) * 100}%`;
    bar.append(seg);
  }
  const band = el('div', { class: 'headroom', title: `Headroom: the last ${headroom}% of usable memory` });
  band.style.left = `${((e.usableBytes * (1 - headroom / 100)) / scale) * 100}%`;
  band.style.width = `${((e.usableBytes * (headroom / 100)) / scale) * 100}%`;
  const limit = el('div', { class: 'limit', title: `Usable on ${e.gpu.name}: ${formatGiB(e.usableBytes)}` });
  limit.style.left = `${(e.usableBytes / scale) * 100}%`;
  bar.append(band, limit);
  return el('div', { class: 'bar-row' }, el('div', { class: 'bar-label' }, el('strong', {}, label), ` ${formatGiB(total)}`), bar);
}

function drawBars(compare: boolean) {
  const d = state!.data;
  const host = byId('bars')!;
  const file = fileEval!;
  const w = view!;
  const scale = Math.max(file.estimate.requiredBytes, w.estimate.requiredBytes, w.usableBytes, file.usableBytes) * 1.04;
  const limitLabel = el('div', { class: 'limit-label' }, `${formatGiB(w.usableBytes)} usable on ${w.gpu.name}`);
  limitLabel.style.left = `${(w.usableBytes / scale) * 100}%`;
  if (w.usableBytes / scale > 0.6) limitLabel.classList.add('left');
  host.replaceChildren(
    el('div', { class: 'limit-row', 'aria-hidden': 'true' }, limitLabel),
    barOf(w, compare ? 'What-if' : 'Peak', scale, d.target.headroomPercent),
  );
  if (compare) host.append(barOf(file, 'File', scale, d.target.headroomPercent));
  const legend = el('ul', { class: 'legend', 'aria-hidden': 'true' });
  w.groups.forEach((g, i) => {
    const shown = g.bytes > 0 || g.pagedBytes > 0 || (compare && file.groups[i].bytes > 0);
    if (shown) legend.append(el('li', {}, el('span', { class: `swatch g-${g.id}` }), g.label));
  });
  host.append(legend);
  const paged = w.groups.reduce((t, g) => t + g.pagedBytes, 0);
  const p = byId('paged')!;
  p.hidden = paged <= 0;
  p.textContent =
    paged > 0
      ? `Hatched: ${formatGiB(paged)} of paged optimizer state in CUDA managed memory. It sits on the GPU when there is room and moves to host RAM when there is not, so it is not counted against the card.`
      : '';
}

function drawTable(compare: boolean) {
  const table = byId<HTMLTableElement>('components')!;
  const w = view!;
  const f = fileEval!;
  const total = w.estimate.requiredBytes;
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, 'Component'),
    compare ? el('th', { scope: 'col', class: 'num' }, 'File GiB') : null,
    el('th', { scope: 'col', class: 'num' }, compare ? 'What-if GiB' : 'GiB'),
    el('th', { scope: 'col', class: 'num' }, 'Share'),
    compare ? el('th', { scope: 'col', class: 'num' }, 'Change') : null,
    el('th', { scope: 'col', class: 'how' }, 'How'),
  );
  const body = el('tbody');
  w.groups.forEach((g, i) => {
    const fg = f.groups[i];
    if (g.bytes <= 0 && g.pagedBytes <= 0 && fg.bytes <= 0) return;
    const single = g.components.length === 1 ? g.components[0] : undefined;
    body.append(
      el(
        'tr',
        { class: 'group' },
        el('th', { scope: 'row' }, el('span', { class: `swatch g-${g.id}`, 'aria-hidden': 'true' }), g.label),
        compare ? el('td', { class: 'num' }, gib(fg.bytes)) : null,
        el('td', { class: 'num' }, gib(g.bytes)),
        el('td', { class: 'num' }, total > 0 ? `${Math.round((g.bytes / total) * 100)}%` : '–'),
        compare
          ? el(
              'td',
              { class: `num ${g.bytes - fg.bytes < -0.005 * GiB ? 'less' : g.bytes - fg.bytes > 0.005 * GiB ? 'more' : ''}` },
              signedGiB(g.bytes - fg.bytes),
            )
          : null,
        el('td', { class: 'how muted' }, single ? `${single.pool === 'managed' ? 'paged, not counted: ' : ''}${single.formula}` : ''),
      ),
    );
    if (!single) {
      const fileBytes = (c: Component) => fg.components.filter((x) => x.name === c.name && x.pool === c.pool).reduce((t, x) => t + x.bytes, 0);
      // components of the file's peak that the what-if's peak does not have (another phase) show as 0 there
      const parts = [
        ...g.components,
        ...fg.components.filter((x) => compare && !g.components.some((c) => c.name === x.name && c.pool === x.pool)).map((x) => ({ ...x, bytes: 0 })),
      ];
      for (const c of parts) {
        body.append(
          el(
            'tr',
            { class: 'part' },
            el('th', { scope: 'row' }, componentLabel(c)),
            compare ? el('td', { class: 'num' }, gib(fileBytes(c))) : null,
            el('td', { class: 'num' }, gib(c.bytes)),
            el('td', { class: 'num' }, c.pool === 'managed' ? 'paged' : ''),
            compare ? el('td', { class: 'num' }, signedGiB(c.bytes - fileBytes(c))) : null,
            el('td', { class: 'how muted' }, c.bytes ? c.formula : 'not at this peak'),
          ),
        );
      }
    }
  });
  body.append(
    el(
      'tr',
      { class: 'total' },
      el('th', { scope: 'row' }, 'Total per GPU'),
      compare ? el('td', { class: 'num' }, gib(f.estimate.requiredBytes)) : null,
      el('td', { class: 'num' }, gib(total)),
      el('td', { class: 'num' }, '100%'),
      compare ? el('td', { class: 'num' }, signedGiB(total - f.estimate.requiredBytes)) : null,
      el('td', { class: 'how muted' }, `peak in the ${phaseLabel(w.estimate.phase)}; reserved memory plus NCCL buffers`),
    ),
  );
  table.replaceChildren(el('caption', { class: 'sr-only' }, 'Memory per GPU by component, in GiB'), el('thead', {}, head), body);
}

// ---- hardware ------------------------------------------------------------------------------------------

function hardwareSection(): HTMLElement {
  return el(
    'section',
    { class: 'hardware', 'aria-labelledby': 'h-hardware' },
    el('h2', { id: 'h-hardware' }, 'Hardware that fits'),
    el(
      'p',
      { class: 'muted' },
      'For each GPU type, the smallest count (and the sharding at that count) at which this job fits with the headroom, at catalog prices.',
    ),
    el('table', { id: 'hardware', class: 'hardware-table' }),
    el('button', { type: 'button', id: 'hardware-toggle', class: 'link', 'aria-controls': 'hardware-more' }),
    el('details', { id: 'nofit' }, el('summary', {}, 'GPU types where it does not fit'), el('ul', { id: 'nofit-list' })),
  );
}

function drawHardware() {
  const d = state!.data;
  const focusedGpu = (document.activeElement as HTMLElement | null)?.dataset?.try;
  hardware = suggestHardware(
    d.spec!,
    view!.setup,
    d.gpus,
    d.target.headroomPercent,
    d.costing ? { ...d.costing, timeModel: d.costing.timeModel as TimeModelOverrides | undefined } : undefined,
    (setup) => spreadOfPage(d, setup),
  );
  const tokens = d.costing?.tokens ?? null;
  const table = byId<HTMLTableElement>('hardware')!;
  const body = el('tbody');
  const more = el('tbody', { id: 'hardware-more', hidden: !showAllHardware });
  const fitting = hardware.filter((x) => x.fits);
  fitting.forEach((h, i) => {
    const s = view!.setup;
    const current = h.gpu.id === view!.gpu.id && h.count === view!.count && h.sharding === s.sharding && h.offloadOptimizer === s.offloadOptimizer;
    (i < HARDWARE_ROWS ? body : more).append(
      el(
        'tr',
        { class: current ? 'current' : undefined },
        el('th', { scope: 'row' }, h.gpu.name),
        el('td', { class: 'num' }, `${h.count}×`),
        el('td', {}, h.label ?? ''),
        el('td', { class: 'num' }, formatGiB(h.requiredBytes!)),
        el('td', { class: 'num' }, h.usdPerHour != null ? `$${h.usdPerHour.toFixed(2)}` : '–'),
        el(
          'td',
          { class: 'num' },
          tokens ? (h.hours != null ? formatHours(h.hours) : '–') : h.usdPerMillionTokens != null ? `$${h.usdPerMillionTokens.toFixed(2)}` : '–',
        ),
        ...(tokens ? [el('td', { class: 'num' }, h.costUsd != null ? `$${Math.round(h.costUsd).toLocaleString('en-US')}` : '–')] : []),
        el(
          'td',
          {},
          el(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              'data-try': h.gpu.id,
              'aria-label': `Try ${h.count}× ${h.gpu.name} with ${h.label}`,
              'aria-current': current ? 'true' : undefined,
            },
            current ? 'Current' : 'Try',
          ),
        ),
      ),
    );
  });
  const hiddenRows = more.children.length;
  const toggle = byId<HTMLButtonElement>('hardware-toggle')!;
  toggle.hidden = hiddenRows === 0;
  toggle.textContent = showAllHardware ? 'Show fewer' : `Show ${hiddenRows} more`;
  toggle.setAttribute('aria-expanded', String(showAllHardware));
  table.replaceChildren(
    el(
      'caption',
      { class: tokens ? undefined : 'sr-only' },
      tokens
        ? `Cheapest run first, for ${formatTokens(tokens.tokens)} training tokens (${tokens.how})`
        : 'GPU types that fit, cheapest per trained token first (set vramLens.trainingTokens for time and total cost)',
    ),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'GPU'),
        el('th', { scope: 'col', class: 'num' }, 'Count'),
        el('th', { scope: 'col' }, 'Set-up'),
        el('th', { scope: 'col', class: 'num' }, 'Per GPU'),
        el('th', { scope: 'col', class: 'num' }, '$/hour'),
        ...(tokens
          ? [el('th', { scope: 'col', class: 'num' }, 'Time'), el('th', { scope: 'col', class: 'num' }, 'Total cost')]
          : [el('th', { scope: 'col', class: 'num' }, '$/M tokens')]),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Action')),
      ),
    ),
    body,
    more,
  );
  const nofit = hardware.filter((x) => !x.fits);
  byId('nofit')!.hidden = nofit.length === 0;
  byId('nofit-list')!.replaceChildren(...nofit.map((h) => el('li', {}, el('strong', {}, h.gpu.name), `: ${h.reason ?? 'does not fit'}`)));
  if (focusedGpu) (table.querySelector(`button[data-try="${CSS.escape(focusedGpu)}"]`) as HTMLButtonElement | null)?.focus();
}

function tryHardware(gpuId: string) {
  const h = hardware.find((x) => x.gpu.id === gpuId && x.fits);
  if (!h || !state) return;
  setOverride('gpu', h.gpu.id);
  setOverride('gpus', h.count!);
  setOverride('sharding', h.sharding === 'ddp' ? 'none' : h.sharding!);
  setOverride('offloadOptimizer', h.offloadOptimizer);
  update(true);
}

// ---- assumptions ---------------------------------------------------------------------------------------

/** A measurement of the file on a real GPU: measured vs predicted, and the estimate anchored on it. */
function measuredSection(m: NonNullable<PanelData['measured']>): HTMLElement {
  const table = el('table', { class: 'measured-rows' });
  for (const r of m.rows) table.append(el('tr', {}, el('th', { scope: 'row' }, r.label), el('td', { class: 'num' }, r.value)));
  return el(
    'section',
    { id: 'measured', class: `measured${m.verdict ? ` ${m.verdict}` : ''}`, 'aria-labelledby': 'h-measured' },
    el('h2', { id: 'h-measured' }, 'Measured vs predicted'),
    el('p', { class: 'measured-title' }, m.title),
    table,
    el('p', { class: 'muted' }, m.words),
  );
}

function assumptionsSection(d: PanelData): HTMLElement {
  const order = { assumed: 0, defaulted: 1, read: 2 } as const;
  const fields = [...d.fields].sort((a, b) => order[a.origin] - order[b.origin]);
  const body = el('tbody');
  for (const f of fields) {
    const label = (PLAN_LABELS as Record<string, string>)[f.name] ?? f.name;
    const name =
      f.line !== null
        ? el('button', { type: 'button', class: 'link', 'data-line': String(f.line), title: `Show line ${f.line + 1} in the editor` }, label)
        : el('span', {}, label);
    body.append(
      el(
        'tr',
        { class: f.origin },
        el('th', { scope: 'row' }, name, el('code', { class: 'muted' }, ` ${f.name}`)),
        el('td', {}, displayValue(f.name, f.value)),
        el(
          'td',
          {},
          el('span', { class: `origin ${f.origin}` }, f.origin === 'read' ? `line ${(f.line ?? 0) + 1}` : f.origin),
          ' ',
          el('span', { class: 'muted' }, f.reason),
        ),
      ),
    );
  }
  return el(
    'section',
    { class: 'assumptions', 'aria-labelledby': 'h-assumptions' },
    el('h2', { id: 'h-assumptions' }, 'What was read and what was assumed'),
    el(
      'table',
      {},
      el('caption', { class: 'sr-only' }, 'Every setting the estimate uses, where it came from'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Setting'), el('th', { scope: 'col' }, 'Value'), el('th', { scope: 'col' }, 'Source'))),
      body,
    ),
  );
}

// ---- copy ----------------------------------------------------------------------------------------------

function exportSection(): HTMLElement {
  return el(
    'section',
    { class: 'export', 'aria-label': 'Copy' },
    el('button', { type: 'button', id: 'copy-md', class: 'secondary' }, 'Copy as Markdown'),
    el('button', { type: 'button', id: 'copy-json', class: 'secondary' }, 'Copy as JSON'),
    el('span', { id: 'copy-result', class: 'muted', role: 'status' }),
  );
}

function copy(format: 'markdown' | 'json') {
  if (!state || !fileEval || !view) return;
  const input = { data: state.data, file: fileEval, scenario: view, changes: changesOf(state.data, controlsNow()!), hardware };
  post({ type: 'copy', format, text: format === 'markdown' ? toMarkdown(input) : toJson(input) });
  byId('copy-result')!.textContent = `${format === 'markdown' ? 'Markdown' : 'JSON'} copied to the clipboard.`;
}

// ---- events --------------------------------------------------------------------------------------------

app.addEventListener('input', (ev) => {
  const t = ev.target as HTMLElement;
  if (t instanceof HTMLInputElement && t.type === 'number') onControl(ev);
});
app.addEventListener('change', (ev) => {
  const t = ev.target as HTMLElement;
  if (t instanceof HTMLInputElement && t.type === 'number') {
    // leaving a number field with an invalid value puts the current value back
    if (t.getAttribute('aria-invalid')) syncForm(controlsNow()!);
    return;
  }
  if (t instanceof HTMLSelectElement || t instanceof HTMLInputElement) onControl(ev);
});
app.addEventListener('submit', (ev) => ev.preventDefault());
app.addEventListener('click', (ev) => {
  const t = (ev.target as HTMLElement).closest('button');
  if (!t || !state) return;
  if (t.dataset.line !== undefined) post({ type: 'revealLine', line: Number(t.dataset.line) });
  else if (t.dataset.try) tryHardware(t.dataset.try);
  else if (t.id === 'hardware-toggle') {
    showAllHardware = !showAllHardware;
    drawHardware();
  } else if (t.id === 'reset') {
    state.overrides = {};
    applyResult = null;
    showApplyResult();
    update(true);
  } else if (t.id === 'apply') {
    const changes: WhatIfChange[] = changesOf(state.data, controlsNow()!);
    if (!changes.length) return;
    applyResult = { text: 'Applying…', warn: false };
    showApplyResult();
    post({ type: 'applyToFile', uri: state.data.uri, changes });
  } else if (t.id === 'copy-md') copy('markdown');
  else if (t.id === 'copy-json') copy('json');
});

function onApplied(m: Extract<HostMessage, { type: 'applied' }>) {
  const label = (f: string) => FIELD_LABELS[f as keyof typeof FIELD_LABELS] ?? f;
  const parts: string[] = [];
  if (m.error) parts.push(m.error);
  if (m.applied.length) parts.push(`Applied: ${m.applied.map((a) => `${label(a.field)} (${a.how})`).join('; ')}.`);
  if (m.notApplied.length) parts.push(`Not applied: ${m.notApplied.map((a) => `${label(a.field)}: ${a.reason}`).join('; ')}.`);
  applyResult = { text: parts.join(' '), warn: !!m.error || m.notApplied.length > 0 };
  showApplyResult();
}

function showApplyResult() {
  const out = byId('apply-result');
  if (!out) return;
  out.textContent = applyResult?.text ?? '';
  out.classList.toggle('warn', !!applyResult?.warn);
}

function onReport(data: PanelData) {
  const sameFile = state?.data.uri === data.uri;
  const overrides = sameFile ? state!.overrides : {};
  if (!sameFile) applyResult = null;
  state = { data, overrides: {} };
  // keep the user's what-ifs across re-analyses; those the file now says drop out
  const file = fileControls(data);
  if (file) for (const [k, v] of Object.entries(overrides)) setOverride(k as keyof Controls, v as never);
  const focused = document.activeElement?.id;
  renderReport();
  showApplyResult();
  if (focused) byId(focused)?.focus();
}

window.addEventListener('message', (ev) => {
  const parsed = HostMessageSchema.safeParse(ev.data);
  if (!parsed.success) return;
  const m = parsed.data;
  if (m.type === 'report') onReport(m.data);
  else if (m.type === 'applied') onApplied(m);
});

// After a restart (serializer) or when the tab was hidden: draw the last picture at once, then ask the host.
const saved = vscode.getState() as { data?: unknown; overrides?: Partial<Controls> } | undefined;
const restored = saved?.data ? PanelDataSchema.safeParse(saved.data) : undefined;
if (restored?.success) {
  state = { data: restored.data, overrides: {} };
  for (const [k, v] of Object.entries(saved?.overrides ?? {}))
    if (WhatIfChangeSchema.safeParse({ field: k, value: v }).success) setOverride(k as keyof Controls, v as never);
  renderReport();
}
post({ type: 'ready' });

function formatHours(h: number): string {
  return h < 1 ? `${Math.round(h * 60)} min` : h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} days`;
}

function formatTokens(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(0)}M` : String(n);
}
