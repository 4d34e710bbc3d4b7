// Configs and notebooks in the real extension host: an axolotl YAML gets its out-of-memory error on the
// micro_batch_size line, a notebook gets it on the cell that holds the batch size, and editing a linked
// DeepSpeed config re-analyses the YAML that uses it. Public API only.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, openFixture, screenshot, waitFor, workspaceRoot } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'VRAM Lens');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
const range = (d: vscode.Diagnostic) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];

describe('configs and notebooks', () => {
  it('an axolotl YAML that does not fit: the error on micro_batch_size, the checkpointing note on its key', async () => {
    const editor = await openFixture('axolotl_full_oom.yml');
    const doc = editor.document;
    assert.equal(doc.languageId, 'yaml');
    const oom = await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the vramLens.oom diagnostic on the YAML', 20000);
    const line = lineOf(doc.getText(), 'micro_batch_size: 8');
    assert.deepEqual(range(oom), [line, 0, line, 'micro_batch_size: 8'.length]);
    assert.equal(oom.severity, vscode.DiagnosticSeverity.Error);
    assert.match(
      oom.message,
      /Peak ≈ [\d.]+ GiB( \([\d.]+–[\d.]+\))?\/GPU > [\d.]+ GiB usable on 1× H100 SXM 80GB \(activations [\d.]+ GiB; batch 8 × 4096 tokens\)/,
    );
    const gc = ours(doc.uri).find((d) => codeOf(d) === 'vramLens.checkpointing');
    const gcLine = lineOf(doc.getText(), 'gradient_checkpointing: false');
    assert.ok(gc, 'the checkpointing note');
    assert.deepEqual(range(gc), [gcLine, 0, gcLine, 'gradient_checkpointing: false'.length]);
    editor.selection = new vscode.Selection(oom.range.start, oom.range.start);
    await vscode.commands.executeCommand('editor.action.showHover');
    await screenshot('yaml-oom');
  });

  it('a notebook: the error lands on the cell that holds per_device_train_batch_size, and only there', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'full_ft_oom.ipynb');
    const nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb);
    const cell = nb.getCells().find((c) => c.document.getText().includes('per_device_train_batch_size'))!;
    assert.equal(cell.index, 3);
    assert.equal(cell.document.uri.scheme, 'vscode-notebook-cell');
    const oom = await waitFor(
      () => ours(cell.document.uri).find((d) => codeOf(d) === 'vramLens.oom'),
      'the vramLens.oom diagnostic on the trainer cell',
      20000,
    );
    const line = lineOf(cell.document.getText(), 'per_device_train_batch_size=8');
    assert.deepEqual(range(oom), [line, 4, line, 4 + 'per_device_train_batch_size=8'.length]);
    assert.equal(oom.severity, vscode.DiagnosticSeverity.Error);
    for (const other of nb.getCells().filter((c) => c.index !== 3)) {
      assert.ok(!ours(other.document.uri).some((d) => codeOf(d) === 'vramLens.oom'), `no error on cell ${other.index}`);
    }
    await screenshot('notebook-oom');
  });

  it('a launch script (swift sft) that does not fit: the error sits on the command', async () => {
    const root = workspaceRoot();
    const script = [
      '#!/bin/bash',
      'swift sft \\',
      '    --model Qwen/Qwen2.5-72B-Instruct \\',
      '    --train_type full \\',
      '    --per_device_train_batch_size 4',
      '',
    ].join('\n');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'launch_full.sh'), Buffer.from(script));
    const editor = await openFixture('launch_full.sh');
    const doc = editor.document;
    assert.equal(doc.languageId, 'shellscript');
    const oom = await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the vramLens.oom diagnostic on the launch script', 20000);
    assert.equal(oom.range.start.line, lineOf(script, 'swift sft'));
    assert.equal(oom.severity, vscode.DiagnosticSeverity.Error);
    editor.selection = new vscode.Selection(oom.range.start, oom.range.start);
    await vscode.commands.executeCommand('editor.action.showHover');
    await screenshot('shell-oom');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root, 'launch_full.sh'));
  });

  it('editing a linked DeepSpeed config (unsaved) re-analyses the YAML that uses it', async () => {
    const root = workspaceRoot();
    const yaml = (await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'axolotl_full_oom.yml'))).toString() + 'deepspeed: live_ds.json\n';
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'live_ds.json'), Buffer.from('{\n  "zero_optimization": {\n    "stage": 2\n  }\n}\n'));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'live.yml'), Buffer.from(yaml));
    const editor = await openFixture('live.yml');
    const peak = (m: string) => Number(/Peak ≈ ([\d.]+) GiB/.exec(m)?.[1]);
    const before = await waitFor(() => ours(editor.document.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the OOM error with ZeRO-2', 20000);
    const ds = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'live_ds.json'));
    const edit = new vscode.WorkspaceEdit();
    const whole = new vscode.Range(0, 0, ds.lineCount, 0);
    edit.replace(ds.uri, whole, '{\n  "zero_optimization": {\n    "stage": 2,\n    "offload_optimizer": {"device": "cpu"}\n  }\n}\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    // optimizer state and the fp32 master copy move to the CPU: the peak drops
    const after = await waitFor(
      () => ours(editor.document.uri).find((d) => codeOf(d) === 'vramLens.oom' && peak(d.message) < peak(before.message)),
      'the YAML re-analysed with the offload from the edited JSON',
      20000,
    );
    assert.ok(peak(after.message) < peak(before.message));
    await ds.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
