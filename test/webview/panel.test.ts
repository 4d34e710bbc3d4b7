// The breakdown page in headless Chromium, served under its real CSP with a stub acquireVsCodeApi:
// rendering, what-if recomputation in the page, the messages to the host, state, themes, keyboard.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { AnalysisDeps, analyzeText, DEFAULT_SETTINGS } from '../../src/analysis/report';
import { initPythonParser } from '../../src/analysis/extract/parser';
import { GiB } from '../../src/analysis/units';
import { panelDataOf } from '../../src/webview/data';
import { PanelData } from '../../src/webview/protocol';
import { launch, openPanel, PanelPage, repoRoot, screenshotPath, Server, startServer } from './harness';
import { DARK, HIGH_CONTRAST, LIGHT } from './themes';

const workspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');
const URI = 'file:///ws/full_ft_oom.py';

describe('breakdown page (headless Chromium)', function () {
  this.timeout(30000);
  let browser: Browser;
  let server: Server;
  let deps: AnalysisDeps;
  let oom: PanelData;
  let qlora: PanelData;
  const open: PanelPage[] = [];

  const data = (file: string, uri: string) => {
    const text = fs.readFileSync(path.join(workspace, file), 'utf8');
    return panelDataOf(analyzeText(text, path.join(workspace, file), DEFAULT_SETTINGS, deps, 'python'), uri);
  };

  async function panel(theme = DARK, opts: { state?: unknown; width?: number } = {}) {
    const p = await openPanel(browser, server, theme, opts);
    open.push(p);
    return p;
  }

  async function shown(p: PanelPage, d: PanelData) {
    await p.post({ type: 'report', data: d });
    await p.page.waitForSelector('#bars .bar');
  }

  const last = async (p: PanelPage, type: string) => (await p.sent()).filter((m) => m.type === type).pop();
  /** GiB in the components table for a group row, [file, what-if] when comparing, else [value] */
  const groupCells = (p: PanelPage, label: string) =>
    p.page.$$eval(
      '#components tr.group',
      (rows, l) => {
        const row = rows.find((r) => r.querySelector('th')?.textContent === l);
        return row ? Array.from(row.querySelectorAll('td.num')).map((td) => td.textContent ?? '') : null;
      },
      label,
    );

  before(async () => {
    deps = { pythonParser: await initPythonParser(path.join(repoRoot, 'dist')) };
    oom = data('full_ft_oom.py', URI);
    qlora = data('qlora_fits.py', 'file:///ws/qlora_fits.py');
    [browser, server] = await Promise.all([launch(), startServer()]);
  });

  afterEach(async function () {
    // Every page, whatever the test did, must have run without a CSP violation or a script error.
    for (const p of open.splice(0)) {
      const { csp, errors } = p;
      await p.close();
      if (this.currentTest?.state === 'passed') {
        assert.deepEqual(csp, [], 'no CSP violations');
        assert.deepEqual(errors, [], 'no console errors');
      }
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws the file: model, verdict, one bar against the usable line, the named components with GiB and share', async () => {
    const p = await panel();
    await shown(p, oom);
    assert.equal(await p.page.textContent('h1'), 'meta-llama/Llama-3.1-8B-Instruct · full_ft_oom.py');
    assert.equal(await p.page.getAttribute('#verdict', 'class'), 'verdict oom');
    assert.match((await p.page.textContent('#verdict'))!, /does not fit on 1× H100 SXM 80GB \(79\.2 GiB usable\) · peak in the forward pass and loss/);
    assert.equal(await p.page.locator('#bars .bar').count(), 1, 'no comparison bar without a change');
    const aria = (await p.page.getAttribute('#bars .bar', 'aria-label'))!;
    assert.match(aria, /^Peak: [\d.]+ GiB per GPU, does not fit in 79\.2 GiB usable on H100 SXM 80GB\. Weights/);
    // Weights of an 8,030,261,248-parameter model in bf16: 8,030,261,248 × 2 B = 14.96 GiB.
    assert.deepEqual((await groupCells(p, 'Weights'))?.slice(0, 1), ['14.96']);
    const labels = await p.page.$$eval('#components tr.group th', (ths) => ths.map((t) => t.textContent));
    assert.deepEqual(labels, ['Weights', 'Gradients', 'Optimizer', 'Activations', 'Logits', 'Runtime overhead'], 'a full fine-tune has no adapters');
    const shares = await p.page.$$eval('#components tr.group td:nth-of-type(2)', (tds) => tds.map((t) => Number((t.textContent ?? '').replace('%', ''))));
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) <= shares.length, `shares add up to 100%: ${shares}`);
    // The segments are drawn to one scale with the usable line: their widths add up to total / scale.
    const geometry = await p.page.evaluate(() => {
      const bar = document.querySelector('#bars .bar')!.getBoundingClientRect();
      const segs = Array.from(document.querySelectorAll('#bars .bar .seg:not(.paged)')).reduce((t, s) => t + s.getBoundingClientRect().width, 0);
      const limit = document.querySelector('#bars .bar .limit')!.getBoundingClientRect().left - bar.left;
      return { segs, limit, width: bar.width };
    });
    const required = oom.target.requiredBytes!;
    const usable = 79.65 * GiB - 0.5 * GiB; // H100 SXM: 79.65 GiB total less the 0.5 GiB CUDA context (docs/sources/allocations-training.md)
    assert.ok(Math.abs(geometry.segs / geometry.limit - required / usable) < 0.03, `bar ${geometry.segs}px vs usable line at ${geometry.limit}px`);
    // The page recomputed the file with the bundled engine and got the host's number.
    const rendered = await last(p, 'rendered');
    assert.equal(rendered?.fileRequiredBytes, required);
    assert.equal(rendered?.scenarioRequiredBytes, required);
    assert.equal(rendered?.changes, 0);
    assert.equal(await p.page.isDisabled('#apply'), true, 'nothing to apply');
  });

  it('recomputes in the page when the micro-batch changes: activations scale with it, the delta is shown, no round trip', async () => {
    const p = await panel();
    await shown(p, oom);
    const before = (await p.sent()).length;
    const file = Number((await groupCells(p, 'Activations'))![0]);
    await p.page.fill('#c-microBatch', '2');
    await p.page.waitForSelector('#bars .bar-row:nth-child(3)'); // what-if and file bars
    const [fileAct, whatIfAct] = (await groupCells(p, 'Activations'))!.map(Number);
    assert.equal(fileAct, file);
    // Saved activations are per token: a quarter of the sequences, a quarter of the bytes.
    assert.ok(Math.abs(whatIfAct - file / 4) < 0.02, `${whatIfAct} GiB vs ${file} / 4`);
    assert.match((await p.page.textContent('#delta'))!, /^What-if with 1 change: −[\d.]+ GiB per GPU against the file/);
    assert.equal(await p.page.textContent('#apply'), 'Apply 1 change to file');
    assert.match((await p.page.textContent('.field[data-field="microBatch"] .was'))!, /^file: 8$/);
    assert.equal(await p.page.getAttribute('.field[data-field="microBatch"]', 'class'), 'field changed');
    await p.page.waitForFunction(() => document.getElementById('live')?.textContent !== '');
    const sent = (await p.sent()).slice(before);
    assert.deepEqual([...new Set(sent.map((m) => m.type))], ['rendered'], 'only the render notice goes to the host');
    const r = sent.pop()!;
    assert.equal(r.changes, 1);
    assert.ok((r.scenarioRequiredBytes as number) < (r.fileRequiredBytes as number));
    // an invalid number is flagged and does not recompute
    await p.page.fill('#c-microBatch', '0');
    assert.equal(await p.page.getAttribute('#c-microBatch', 'aria-invalid'), 'true');
    assert.equal(await p.page.textContent('#apply'), 'Apply 1 change to file');
  });

  it('is operated with the keyboard: Tab to gradient checkpointing, Space toggles it, focus is visible', async () => {
    const p = await panel();
    await shown(p, oom);
    await p.page.focus('#c-seqLen');
    await p.page.keyboard.press('Tab');
    assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'c-gradientCheckpointing');
    const outline = await p.page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused control shows a focus ring');
    await p.page.keyboard.press('Space');
    await p.page.waitForSelector('#bars .bar-row:nth-child(3)');
    const [fileAct, whatIfAct] = (await groupCells(p, 'Activations'))!.map(Number);
    assert.ok(whatIfAct < fileAct / 3, `checkpointing keeps only layer inputs: ${whatIfAct} vs ${fileAct}`);
    // every control has a label the screen reader announces
    const unlabelled = await p.page.$$eval('input, select', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id));
    assert.deepEqual(unlabelled, []);
    const buttonsWithoutName = await p.page.$$eval('button', (bs) => bs.filter((b) => !(b.textContent?.trim() || b.getAttribute('aria-label'))).length);
    assert.equal(buttonsWithoutName, 0);
  });

  it('4-bit quantization switches to LoRA adapters and enables the LoRA controls; the weights drop to about a quarter', async () => {
    const p = await panel();
    await shown(p, oom);
    assert.equal(await p.page.isDisabled('#c-loraR'), true, 'no LoRA rank for a full fine-tune');
    await p.page.selectOption('#c-quantization', 'nf4');
    assert.equal(await p.page.inputValue('#c-method'), 'lora');
    assert.equal(await p.page.isDisabled('#c-loraR'), false);
    const [fileW, whatIfW] = (await groupCells(p, 'Weights'))!.map(Number);
    // NF4 stores the 6.98 B linear params in 0.5 B plus constants; embeddings and head stay 16-bit (fp32
    // under PEFT's k-bit preparation): well under half of the bf16 weights.
    assert.ok(whatIfW < fileW / 2 && whatIfW > fileW / 8, `${whatIfW} vs ${fileW}`);
    assert.notEqual(await groupCells(p, 'Adapters'), null, 'adapters appear');
    await p.page.selectOption('#c-method', 'full');
    assert.equal(await p.page.inputValue('#c-quantization'), 'none', 'a full fine-tune is not quantized');
    assert.equal(await p.page.textContent('#apply'), 'Apply to file');
  });

  it('"Apply to file" sends the changes, shows what the host applied, and keeps what-ifs the file does not say yet', async () => {
    const p = await panel();
    await shown(p, oom);
    await p.page.fill('#c-microBatch', '2');
    await p.page.selectOption('#c-gpu', 'a100-sxm-80gb');
    await p.page.click('#apply');
    const msg = await last(p, 'applyToFile');
    assert.deepEqual(msg, {
      type: 'applyToFile',
      uri: URI,
      changes: [
        { field: 'microBatch', value: 2 },
        { field: 'gpu', value: 'a100-sxm-80gb' },
      ],
    });
    await p.post({
      type: 'applied',
      applied: [{ field: 'microBatch', how: 'line 12: 8 → 2' }],
      notApplied: [{ field: 'gpu', reason: 'test reason' }],
      error: null,
    });
    assert.equal(await p.page.textContent('#apply-result'), 'Applied: Micro-batch per GPU (line 12: 8 → 2). Not applied: GPU type: test reason.');
    // The edit makes the host re-analyse: the new report says 2; the GPU what-if stays, the micro-batch one is gone.
    const text = fs.readFileSync(path.join(workspace, 'full_ft_oom.py'), 'utf8').replace('per_device_train_batch_size=8', 'per_device_train_batch_size=2');
    const after = panelDataOf(analyzeText(text, 'full_ft_oom.py', DEFAULT_SETTINGS, deps, 'python'), URI);
    await shown(p, after);
    assert.equal(await p.page.inputValue('#c-microBatch'), '2');
    assert.equal(await p.page.inputValue('#c-gpu'), 'a100-sxm-80gb');
    assert.equal(await p.page.textContent('#apply'), 'Apply 1 change to file');
    assert.match((await p.page.textContent('#apply-result'))!, /^Applied: Micro-batch/, 'the outcome stays after the re-analysis');
    // another file: its own values, no what-ifs carried over
    await shown(p, qlora);
    assert.equal(await p.page.inputValue('#c-gpu'), 'h100-sxm-80gb');
    assert.equal(await p.page.textContent('#apply'), 'Apply to file');
  });

  it('reveals a hyperparameter in the editor when it is clicked, and lists the assumptions with their reasons', async () => {
    const p = await panel();
    await shown(p, oom);
    const microLine = oom.fields.find((f) => f.name === 'microBatch')!.line!;
    assert.equal(
      microLine,
      fs
        .readFileSync(path.join(workspace, 'full_ft_oom.py'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('per_device_train_batch_size')),
    );
    await p.page.click(`.assumptions button[data-line="${microLine}"]`);
    assert.deepEqual(await last(p, 'revealLine'), { type: 'revealLine', line: microLine });
    const seq = await p.page.$eval('.assumptions tr.assumed', (tr) => tr.textContent);
    assert.match(seq!, /Sequence length.*seqLen.*2,?048.*assumed.*sequence length not set/);
    // the hint next to a control links to its line too
    await p.page.click('.field[data-field="optimizer"] button.link');
    const optimLine = oom.fields.find((f) => f.name === 'optimizer')!.line!;
    assert.deepEqual(await last(p, 'revealLine'), { type: 'revealLine', line: optimLine });
  });

  it('suggests, per GPU type, the smallest count that fits with its price and cost per token; "Try" puts it in the what-if', async () => {
    const p = await panel();
    await shown(p, oom);
    // 8 × 2048 tokens without checkpointing: the activations alone exceed an H100, whatever the count
    assert.match((await p.page.textContent('#nofit'))!, /H100 SXM 80GB: needs [\d.]+ GiB per GPU even on/);
    await p.page.fill('#c-microBatch', '1');
    await p.page.check('#c-gradientCheckpointing');
    const rows = await p.page.$$eval('#hardware tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
    assert.ok(rows.length >= 3, 'several GPU types fit');
    // no token count in the file or settings: ordered by cost per million trained tokens
    const perToken = rows.map((r) => (r[5] === '–' ? Infinity : Number(r[5]!.slice(1))));
    assert.deepEqual(
      perToken,
      [...perToken].sort((a, b) => a - b),
      'cheapest per trained token first',
    );
    const h100 = rows.find((r) => r[0] === 'H100 SXM 80GB');
    assert.ok(h100, 'with one sequence and checkpointing the H100 appears, with more GPUs or sharding');
    assert.equal(await p.page.locator('#hardware > tbody:first-of-type > tr').count(), 8, 'the cheapest eight first');
    await p.page.click('#hardware-toggle');
    assert.equal(await p.page.getAttribute('#hardware-toggle', 'aria-expanded'), 'true');
    await p.page.click('#hardware button[data-try="h100-sxm-80gb"]');
    const count = Number(await p.page.inputValue('#c-gpus'));
    assert.equal(`${count}×`, h100![1]);
    assert.notEqual(await p.page.getAttribute('#verdict', 'class'), 'verdict oom', 'the suggested set-up fits');
    assert.equal(await p.page.evaluate(() => document.activeElement?.getAttribute('data-try')), 'h100-sxm-80gb', 'focus stays on the row');
  });

  it('copies Markdown and JSON through the host, with the what-if next to the file', async () => {
    const p = await panel();
    await shown(p, oom);
    await p.page.fill('#c-microBatch', '1');
    await p.page.click('#copy-md');
    const md = (await last(p, 'copy'))!;
    assert.equal(md.format, 'markdown');
    assert.match(md.text as string, /^### GPU memory: `full_ft_oom\.py` \(meta-llama\/Llama-3\.1-8B-Instruct\)/);
    assert.match(md.text as string, /\| Micro-batch per GPU \| 8 \| 1 \|/);
    assert.match(md.text as string, /\| Weights \| 14\.96 \| 14\.96 \|/);
    await p.page.click('#copy-json');
    const js = JSON.parse((await last(p, 'copy'))!.text as string);
    assert.equal(js.perGpu.requiredBytes, Math.round(oom.target.requiredBytes!));
    assert.deepEqual(js.whatIf.changes, [{ field: 'microBatch', from: 8, to: 1 }]);
    assert.equal(js.target.gpu, 'h100-sxm-80gb');
    assert.equal(await p.page.textContent('#copy-result'), 'JSON copied to the clipboard.');
  });

  it('keeps its state with setState and draws it again at once after a restart, before the host answers', async () => {
    const p = await panel();
    await shown(p, oom);
    await p.page.fill('#c-seqLen', '4096');
    await p.page.waitForFunction(
      () => ((window as unknown as { __state?: { overrides?: object } }).__state?.overrides as { seqLen?: number } | undefined)?.seqLen === 4096,
    );
    const state = (await p.state()) as { uri: string };
    assert.equal(state.uri, URI, 'the serializer reads the uri from the state');
    const q = await panel(DARK, { state });
    await q.page.waitForSelector('#bars .bar');
    assert.equal(await q.page.inputValue('#c-seqLen'), '4096');
    assert.equal(await q.page.textContent('#apply'), 'Apply 1 change to file');
    assert.equal((await q.sent()).filter((m) => m.type === 'ready').length, 1, 'and it still asks the host for a fresh report');
  });

  it('ignores messages that do not validate, and says why there is no estimate', async () => {
    const p = await panel();
    await shown(p, oom);
    await p.post({ type: 'report', data: { ...oom, setup: { ...oom.setup, microBatch: -1 } } });
    await p.post({ type: 'bogus' });
    assert.equal(await p.page.inputValue('#c-microBatch'), '8', 'the invalid report was dropped');
    const text =
      'from transformers import AutoModelForCausalLM, Trainer\nmodel = AutoModelForCausalLM.from_pretrained("acme/unknown-model-7b")\nTrainer(model=model).train()\n';
    const unknown = panelDataOf(analyzeText(text, 'unknown.py', DEFAULT_SETTINGS, deps, 'python'), 'file:///ws/unknown.py');
    await p.post({ type: 'report', data: unknown });
    await p.page.waitForSelector('.message');
    assert.match((await p.page.textContent('.message'))!, /not in the catalog/);
    assert.equal(await p.page.locator('#whatif').count(), 0);
  });

  it('enforces its CSP: an inline script without the nonce is blocked and reported', async () => {
    // The counterpart of the clean-console check after every test: that check can fail.
    const p = await openPanel(browser, server, DARK);
    await p.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = '(window as any).__inline = 1;'.replace('(window as any)', 'window');
      document.body.append(s);
    });
    await p.page.waitForTimeout(100);
    assert.equal(await p.page.evaluate(() => (window as unknown as { __inline?: number }).__inline), undefined);
    assert.ok(
      p.csp.some((c) => /script-src/.test(c)),
      `a violation was reported: ${p.csp}`,
    );
    await p.close();
  });

  for (const theme of [LIGHT, DARK, HIGH_CONTRAST]) {
    it(`renders in the ${theme.name} theme with the theme's colours only (screenshot)`, async () => {
      const p = await panel(theme, { width: 1200 });
      await shown(p, oom);
      // the README's picture: the file does not fit, three what-ifs make it fit
      await p.page.fill('#c-microBatch', '2');
      await p.page.check('#c-gradientCheckpointing');
      await p.page.selectOption('#c-optimizer', 'adamw_8bit');
      assert.equal(await p.page.getAttribute('#verdict', 'class'), 'verdict fits');
      await p.page.waitForSelector('#bars .bar-row:nth-child(3)');
      const colours = await p.page.evaluate(() => ({
        body: getComputedStyle(document.body).backgroundColor,
        weights: getComputedStyle(document.querySelector('.seg.g-weights')!).backgroundColor,
        button: getComputedStyle(document.getElementById('apply')!).backgroundColor,
      }));
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      assert.equal(colours.body, rgb(theme.vars['--vscode-editor-background']));
      assert.equal(colours.weights, rgb(theme.vars['--vscode-charts-blue']));
      assert.equal(colours.button, rgb(theme.vars['--vscode-button-background']));
      await p.page.screenshot({ path: screenshotPath(`breakdown-${theme.name}`), fullPage: true });
      await p.page.screenshot({ path: screenshotPath(`breakdown-${theme.name}-top`) });
    });
  }

  it('a QLoRA job shows its adapters and the paged optimizer state apart from what counts', async () => {
    const p = await panel(DARK, { width: 800 });
    await shown(p, qlora);
    assert.notEqual(await groupCells(p, 'Adapters'), null);
    assert.equal(await p.page.isHidden('#paged'), false, 'paged AdamW 8-bit lives in managed memory');
    assert.match((await p.page.textContent('#paged'))!, /not counted against the card/);
    assert.equal(await p.page.locator('#bars .seg.paged').count(), 1);
    assert.equal(await p.page.getAttribute('#verdict', 'class'), 'verdict fits');
    await p.page.screenshot({ path: screenshotPath('breakdown-qlora-narrow'), fullPage: true });
  });

  it('a measured file shows measured vs predicted and the anchored estimate; without a measurement there is no such section', async () => {
    const p = await panel();
    await shown(p, qlora);
    assert.equal(await p.page.locator('#measured').count(), 0);
    const measured = {
      title:
        'measured 41.2 GiB on 1× H100 SXM 80GB (3 steps, 2 days ago) · predicted 43.0 (settings changed since: micro-batch 2→4; anchored estimate 47.1 GiB)',
      words: 'anchored on the measurement of 2026-12-01: measured 41.2 GiB + predicted change +5.9 GiB (micro-batch 2→4) = 47.1 GiB',
      rows: [
        { label: 'measured reserved peak', value: '41.2 GiB (rank 0)' },
        { label: 'predicted for the measured settings', value: '43.0 GiB reserved (+4.4% vs measured)' },
        { label: 'anchored estimate', value: '47.1 GiB (fits)' },
      ],
      measuredReservedBytes: 41.2 * GiB,
      predictedReservedBytes: 43 * GiB,
      anchoredBytes: 47.1 * GiB,
      verdict: 'fits' as const,
    };
    await shown(p, { ...qlora, measured });
    await p.page.waitForSelector('#measured');
    assert.equal(await p.page.textContent('#h-measured'), 'Measured vs predicted');
    assert.equal(await p.page.textContent('#measured .measured-title'), measured.title);
    const rows = await p.page.$$eval('#measured tr', (trs) => trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent]));
    assert.deepEqual(
      rows,
      measured.rows.map((r) => [r.label, r.value]),
    );
    assert.match((await p.page.textContent('#measured'))!, /anchored on the measurement of 2026-12-01/);
    assert.equal(await p.page.getAttribute('#measured', 'class'), 'measured fits');
  });
});
