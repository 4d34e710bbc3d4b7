// The breakdown panel in the real extension host: the command opens it beside the training file, the
// page asks for the report, recomputes it with the bundled engine and says what it drew (round trip);
// it follows the active editor; "Apply to file" and "reveal line" go through the host's handler.
// vramLens._panelState and vramLens._panelReceive are internal commands (not in package.json) that
// expose the last exchange and feed a page message to the host, since a test cannot click in a webview.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openFixture, screenshot, waitFor, workspaceRoot } from './helpers';

interface Exchange {
  open: boolean;
  title: string | null;
  uri: string | null;
  reportsPosted: number;
  lastPosted: { type: string; uri: string | null; requiredBytes: number | null } | null;
  received: Record<string, number>;
  lastRendered: { uri: string; fileRequiredBytes: number | null; scenarioRequiredBytes: number | null; changes: number } | null;
}

const state = () => vscode.commands.executeCommand<Exchange>('vramLens._panelState');
const panelTab = (name: string) =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === `VRAM Lens: ${name}`);

/** Waits until the page has drawn the report the host last posted for `uri`. */
function rendered(uri: vscode.Uri, what: string, pred: (s: Exchange) => boolean = () => true): Promise<Exchange> {
  return waitFor(
    async () => {
      const s = await state();
      return s.lastRendered?.uri === uri.toString() &&
        s.lastPosted?.uri === uri.toString() &&
        s.lastRendered.fileRequiredBytes === s.lastPosted.requiredBytes &&
        pred(s)
        ? s
        : undefined;
    },
    what,
    20000,
  );
}

describe('breakdown panel', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens beside the training file, titled after it, and the page draws the host’s estimate (round trip)', async () => {
    const editor = await openFixture('full_ft_oom.py');
    await vscode.commands.executeCommand('vramLens.showBreakdown');
    await waitFor(() => panelTab('full_ft_oom.py'), 'the panel tab titled after the file');
    const s = await rendered(editor.document.uri, 'the page to draw full_ft_oom.py');
    assert.ok((s.received.ready ?? 0) >= 1, 'the page said ready');
    assert.ok(s.lastPosted!.requiredBytes! > 80 * 1024 ** 3, 'the OOM job');
    // the page recomputed the file's estimate with the bundled engine and got the same bytes
    assert.equal(s.lastRendered!.fileRequiredBytes, s.lastPosted!.requiredBytes);
    assert.equal(s.lastRendered!.changes, 0);
    await screenshot('breakdown-panel-integration');
  });

  it('follows the active editor to another training file', async () => {
    const editor = await openFixture('qlora_fits.py');
    await waitFor(() => panelTab('qlora_fits.py'), 'the panel to follow to qlora_fits.py');
    const s = await rendered(editor.document.uri, 'the page to draw qlora_fits.py');
    assert.ok(s.lastPosted!.requiredBytes! < 40 * 1024 ** 3);
  });

  it('applies what-if changes to the file through the host, and the page redraws the edited file', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'panel_apply.py');
    const original = (await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'full_ft_oom.py'))).toString();
    await vscode.workspace.fs.writeFile(uri, Buffer.from(original));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('vramLens.showBreakdown', uri);
    const before = await rendered(uri, 'the page to draw panel_apply.py');
    const result = await vscode.commands.executeCommand<{
      type: string;
      applied: { field: string; how: string }[];
      notApplied: { field: string; reason: string }[];
      error: string | null;
    }>('vramLens._panelReceive', {
      type: 'applyToFile',
      uri: uri.toString(),
      changes: [
        { field: 'microBatch', value: 2 },
        { field: 'gradientCheckpointing', value: true },
        { field: 'optimizer', value: 'adamw_8bit' },
      ],
    });
    assert.equal(result?.type, 'applied');
    assert.equal(result.error, null);
    assert.deepEqual(result.notApplied, []);
    assert.deepEqual(
      result.applied.map((a) => a.field),
      ['microBatch', 'gradientCheckpointing', 'optimizer'],
    );
    const text = doc.getText();
    assert.match(text, /per_device_train_batch_size=2,/);
    assert.match(text, /optim="adamw_8bit",\n {4}gradient_checkpointing=True,\n\)/);
    assert.equal(text.split('\n').length, original.split('\n').length + 1, 'one line added, nothing else moved');
    const after = await rendered(uri, 'the page to draw the edited file', (s) => s.lastPosted!.requiredBytes! < before.lastPosted!.requiredBytes!);
    assert.ok(after.lastPosted!.requiredBytes! < 78 * 1024 ** 3, 'the edited job fits an H100');
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(doc.isDirty, false);
  });

  it('reveals a hyperparameter’s line in the editor when the page asks', async () => {
    const editor = await openFixture('full_ft_oom.py');
    await waitFor(() => panelTab('full_ft_oom.py'), 'the panel on full_ft_oom.py');
    await rendered(editor.document.uri, 'the page to draw full_ft_oom.py');
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('optim='));
    await vscode.commands.executeCommand('vramLens._panelReceive', { type: 'revealLine', line });
    await waitFor(
      () =>
        vscode.window.activeTextEditor?.document.uri.toString() === editor.document.uri.toString() &&
        vscode.window.activeTextEditor.selection.active.line === line,
      'the cursor on the optim line',
    );
  });

  it('rejects a page message that does not validate', async () => {
    const before = await state();
    const r = await vscode.commands.executeCommand('vramLens._panelReceive', {
      type: 'applyToFile',
      uri: 'file:///x.py',
      changes: [{ field: 'microBatch', value: -3 }],
    });
    assert.equal(r, undefined);
    const after = await state();
    assert.equal(after.received.applyToFile ?? 0, before.received.applyToFile ?? 0);
  });
});
