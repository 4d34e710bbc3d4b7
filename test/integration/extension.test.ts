// The extension in the real extension host: diagnostics on the responsible line, CodeLens over the model
// load, settings changes re-analyse, commands and the breakdown panel. Public API only.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, openFixture, screenshot, sleep, waitFor } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'VRAM Lens');
const lineOf = (doc: vscode.TextDocument, needle: string) =>
  doc
    .getText()
    .split('\n')
    .findIndex((l) => l.includes(needle));

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return waitFor(async () => {
    const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    return l?.some((x) => x.command?.title.includes('GiB')) ? l : undefined;
  }, 'a VRAM Lens CodeLens');
}

describe('editor', () => {
  it('puts an out-of-memory error on the micro-batch line of a full fine-tune', async () => {
    const editor = await openFixture('full_ft_oom.py');
    const doc = editor.document;
    const diag = await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the vramLens.oom diagnostic', 20000);
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    // the code links to its section of the README
    const target = (diag.code as { target: vscode.Uri }).target;
    assert.equal(target.fragment, 'vramlensoom');
    assert.match(target.path, /README\.md$/);
    // The biggest component of an 8-sequence full fine-tune without checkpointing is activations,
    // which the batch size drives: the diagnostic sits on that argument.
    assert.equal(diag.range.start.line, lineOf(doc, 'per_device_train_batch_size'));
    assert.match(diag.message, /Peak ≈ [\d.]+ GiB( \([\d.]+–[\d.]+\))?\/GPU > [\d.]+ GiB usable on 1× H100 SXM 80GB/);
    assert.ok(diag.relatedInformation && diag.relatedInformation.length > 0, 'related locations for the other contributors');
    // For the README: the error's hover with the CodeLens above the model load.
    await lenses(doc.uri);
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    editor.selection = new vscode.Selection(diag.range.start, diag.range.start);
    await vscode.commands.executeCommand('editor.action.showHover');
    await sleep(800);
    await screenshot('oom-diagnostic');
  });

  it('shows the estimate in a CodeLens above the model load', async () => {
    const editor = await openFixture('full_ft_oom.py');
    const all = await lenses(editor.document.uri);
    const lens = all.find((l) => l.command?.title.includes('GiB'))!;
    assert.equal(lens.range.start.line, lineOf(editor.document, 'from_pretrained('));
    assert.match(lens.command!.title, /≈ [\d.]+ GiB( \([\d.]+–[\d.]+\))? per GPU · exceeds 1× H100 SXM 80GB/);
    assert.equal(lens.command!.command, 'vramLens.showBreakdown');
  });

  it('reports no error for a QLoRA job that fits, and says so in the CodeLens', async () => {
    const editor = await openFixture('qlora_fits.py');
    const all = await lenses(editor.document.uri);
    assert.match(all[0].command!.title, /fits 1× H100 SXM 80GB/);
    assert.equal(ours(editor.document.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length, 0);
    await screenshot('qlora-codelens');
  });

  it('never throws on half-typed code and still says what it read', async () => {
    const editor = await openFixture('half_typed.py');
    const diags = await waitFor(() => (ours(editor.document.uri).length ? ours(editor.document.uri) : undefined), 'diagnostics on the half-typed file');
    assert.ok(diags.some((d) => codeOf(d) === 'vramLens.syntax' && d.severity === vscode.DiagnosticSeverity.Information));
  });

  it('re-analyses open files when the target GPU setting changes', async () => {
    const editor = await openFixture('full_ft_oom.py');
    await waitFor(() => ours(editor.document.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the OOM error first');
    const cfg = vscode.workspace.getConfiguration('vramLens');
    await cfg.update('targetGpu', 'b300-288gb', vscode.ConfigurationTarget.Workspace);
    try {
      // 288 GB B300: the same job fits, so the error goes away.
      await waitFor(() => !ours(editor.document.uri).some((d) => codeOf(d) === 'vramLens.oom'), 'the error to clear on a B300');
      const all = await lenses(editor.document.uri);
      assert.match(all[0].command!.title, /B300/);
    } finally {
      await cfg.update('targetGpu', 'h100-sxm-80gb', vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(() => ours(editor.document.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the error back on an H100');
  });

  it('opens the memory breakdown panel for the active file', async () => {
    await openFixture('full_ft_oom.py');
    const title = await vscode.commands.executeCommand<string>('vramLens.showBreakdown');
    assert.match(title ?? '', /VRAM Lens/);
    await waitFor(
      () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && /full_ft_oom/.test(t.label))),
      'the panel tab titled after the file',
    );
    await screenshot('breakdown-panel');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
