// *VRAM Lens: Measure on This Machine* end to end in the real extension host, with the stand-in torch of
// test/fixtures/measure/fake_torch (python3 on PATH): the command runs in a terminal, the record lands in
// .vram-lens/measurements.jsonl, and the CodeLens shows measured vs predicted, then the anchored estimate
// after an edit. Cancelling runs nothing.
//
// The confirmation: VS Code refuses to show dialogs while its extension tests run (DialogService.prompt
// throws "refused to show dialog in tests"), so the workbench's modal cannot be clicked here. The test
// replaces window.showWarningMessage for the duration of one call (the extension and its tests share
// one API object) and answers the modal as the user would, after checking that it is modal and shows
// the exact command. With the real dialog service the command is cancelled: the first test checks that.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openFixture, screenshot, sleep, waitFor, workspaceRoot } from './helpers';

const EXTENSION_ID = 'vram-lens.vram-lens';
const FILE = 'measure_cfg.yaml';
const CFG = [
  'base_model: meta-llama/Llama-3.1-8B',
  'adapter: lora',
  'lora_r: 16',
  'lora_target_linear: true',
  'micro_batch_size: 2',
  'gradient_accumulation_steps: 4',
  'sequence_len: 2048',
  'bf16: true',
  'gradient_checkpointing: true',
  '',
].join('\n');
const COMMAND = `python3 -m fake_train ${FILE}`;
const GiB = 1024 ** 3;

type Outcome = {
  status: string;
  reason?: string;
  index?: number;
  ended?: string;
  record?: { status: string; file: string; stepsCompleted: number; peakReservedBytes: number | null; gpu: string | null };
};

type Shown = { message: string; modal: boolean; detail: string; items: string[] };

/**
 * Runs `body` with the modal warning answered by `answer(shown)` (non-modal messages pass through);
 * returns what the modal showed.
 */
async function withModalAnswer<T>(answer: (shown: Shown) => string | undefined, body: () => Thenable<T>): Promise<{ result: T; shown: Shown[] }> {
  const win = vscode.window as unknown as { showWarningMessage: (...a: unknown[]) => Thenable<unknown> };
  const original = win.showWarningMessage;
  const shown: Shown[] = [];
  win.showWarningMessage = (message: unknown, ...rest: unknown[]) => {
    const options = rest[0] as vscode.MessageOptions | undefined;
    if (!options || typeof options !== 'object' || !options.modal) return original.call(vscode.window, message, ...rest);
    const s: Shown = { message: String(message), modal: true, detail: options.detail ?? '', items: rest.slice(1).map(String) };
    shown.push(s);
    return Promise.resolve(answer(s));
  };
  try {
    return { result: await body(), shown };
  } finally {
    win.showWarningMessage = original;
  }
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const l = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return l.map((x) => x.command?.title ?? '');
}

describe('Measure on This Machine', function () {
  this.timeout(120_000);
  let root: string;
  const records = () => {
    const f = path.join(root, '.vram-lens', 'measurements.jsonl');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : [];
  };
  const ourTerminals = () => vscode.window.terminals.filter((t) => t.name.startsWith('VRAM Lens: measure'));

  before(function () {
    const py = spawnSync('python3', ['--version']);
    if (py.error || py.status !== 0) {
      console.log('      (skipped: python3 is not on PATH; the probe is Python)');
      this.skip();
    }
    root = workspaceRoot().fsPath;
    // the stand-in torch next to the config: `python3 -m fake_train` from the workspace imports it
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    fs.cpSync(path.join(ext.extensionPath, 'test', 'fixtures', 'measure', 'fake_torch'), root, { recursive: true });
    fs.writeFileSync(path.join(root, FILE), CFG);
  });

  it('asks for the confirmation in a modal dialog: where no dialog can be shown, nothing runs', async () => {
    await openFixture(FILE);
    const outcome = await vscode.commands.executeCommand<Outcome>('vramLens.measure', { command: COMMAND, steps: 2 });
    assert.equal(outcome.status, 'cancelled');
    assert.match(
      outcome.reason!,
      /confirmation could not be shown: DialogService: refused to show dialog in tests\. Contents: Run this command to measure the GPU memory of measure_cfg\.yaml\?/,
    );
    assert.equal(ourTerminals().length, 0, 'no terminal was opened');
    assert.deepEqual(records(), [], 'nothing was recorded');
  });

  it('shows the exact command in a modal and runs nothing when it is cancelled', async () => {
    const editor = await openFixture(FILE);
    await waitFor(async () => (await lensTitles(editor.document.uri)).some((t) => t.startsWith('≈ ')), 'the estimate lens', 20000);
    const { result: outcome, shown } = await withModalAnswer(
      () => undefined, // Cancel / Escape
      () => vscode.commands.executeCommand<Outcome>('vramLens.measure', { command: COMMAND, steps: 2 }),
    );
    assert.equal(shown.length, 1);
    assert.equal(shown[0].message, `Run this command to measure the GPU memory of ${FILE}?`);
    assert.equal(shown[0].modal, true);
    assert.deepEqual(shown[0].items, ['Run']);
    assert.ok(shown[0].detail.startsWith(`${COMMAND}\n`), `the dialog shows the command first: ${shown[0].detail}`);
    assert.match(shown[0].detail, /PYTHONPATH=.*probe/);
    assert.match(shown[0].detail, /stopped after 2 optimizer steps/);
    assert.equal(outcome.status, 'cancelled');
    assert.equal(ourTerminals().length, 0, 'no terminal was opened');
    assert.deepEqual(records(), [], 'nothing was recorded');
  });

  it('after "Run": runs the command in a terminal, records the measurement, and the CodeLens shows measured vs predicted', async () => {
    const editor = await openFixture(FILE);
    const uri = editor.document.uri;
    const { result: outcome, shown } = await withModalAnswer(
      (s) => s.items[0], // Run
      () => vscode.commands.executeCommand<Outcome>('vramLens.measure', { command: COMMAND, steps: 2 }),
    );
    assert.equal(shown.length, 1, 'one confirmation');
    assert.equal(outcome.status, 'recorded', JSON.stringify(outcome));
    assert.equal(outcome.ended, 'shell-integration', 'the end of the command was seen through shell integration');
    assert.equal(outcome.record!.status, 'complete');
    assert.equal(outcome.record!.file, FILE);
    assert.equal(outcome.record!.stepsCompleted, 2, 'the probe stopped the job after 2 steps');
    // fake_train.py's reserved peak: 5 GiB (test/unit/measure.test.ts)
    assert.equal(outcome.record!.peakReservedBytes, 5 * GiB);
    assert.equal(outcome.record!.gpu, '1× NVIDIA H100 80GB HBM3');
    const lines = records();
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]);
    assert.equal(rec.plan.microBatch.value, 2);
    assert.ok(rec.prediction, 'the prediction of the time is in the record');

    const title = await waitFor(async () => (await lensTitles(uri)).find((t) => t.startsWith('measured ')), 'the measured lens', 20000);
    assert.match(title, /^measured 5\.0 GiB on 1× H100 SXM 80GB \(2 steps, (just now|1 minute ago)\) · predicted [\d.]+$/);
    await sleep(1500); // let the editor draw the new lens before the picture
    await screenshot('measured-codelens');
  });

  it('after an edit, the lens anchors the estimate on the measurement and names the change', async () => {
    const editor = await openFixture(FILE);
    const doc = editor.document;
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('micro_batch_size'));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, doc.lineAt(line).range, 'micro_batch_size: 4');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const title = await waitFor(async () => (await lensTitles(doc.uri)).find((t) => t.includes('settings changed since')), 'the anchored lens', 20000);
      const m = /\(settings changed since: micro-batch 2→4; anchored estimate ([\d.]+) GiB\)$/.exec(title);
      assert.ok(m, title);
      assert.ok(Number(m[1]) > 5, 'a larger micro-batch: more than the measured 5.0 GiB');
      // the panel gets the measurement with the report
      await vscode.commands.executeCommand('vramLens.showBreakdown', doc.uri);
      const state = await waitFor(async () => {
        const s = await vscode.commands.executeCommand<{ lastPosted: { uri: string; measured?: string | null } | null }>('vramLens._panelState');
        return s.lastPosted?.uri === doc.uri.toString() && s.lastPosted.measured?.includes('anchored estimate') ? s : undefined;
      }, 'the panel to receive the measurement');
      assert.equal(state.lastPosted!.measured, title);
      await screenshot('measured-panel');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
