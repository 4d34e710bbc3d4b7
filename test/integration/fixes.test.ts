// Quick fixes, "fix all", hover and the language-model tool in the real extension host.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, openFixture, screenshot, sleep, waitFor } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'VRAM Lens');
const oom = (uri: vscode.Uri) => ours(uri).find((d) => codeOf(d) === 'vramLens.oom');

async function actionsAt(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return waitFor(async () => {
    const all = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range);
    const mine = (all ?? []).filter((a) => /GiB\/GPU/.test(a.title));
    return mine.length ? mine : undefined;
  }, 'VRAM Lens quick fixes');
}

describe('quick fixes', () => {
  it('offers each fix with its predicted saving, the best one preferred', async () => {
    const editor = await openFixture('fix_me.py');
    const d = await waitFor(() => oom(editor.document.uri), 'the OOM error', 20000);
    const actions = await actionsAt(editor.document.uri, d.range);
    const titles = actions.map((a) => a.title);
    assert.ok(
      titles.some((t) => /^Enable gradient checkpointing: −[\d.]+ GiB\/GPU/.test(t)),
      titles.join('\n'),
    );
    assert.ok(titles.some((t) => /^Use 8-bit AdamW/.test(t)));
    assert.ok(titles.some((t) => /^Halve the micro-batch \(8 → 4\) and double accumulation \(2 → 4\)/.test(t)));
    assert.ok(titles.some((t) => /^Fix all \(smallest change that fits\)/.test(t)));
    assert.equal(actions.filter((a) => a.isPreferred).length, 1);
    editor.selection = new vscode.Selection(d.range.start, d.range.start);
    await vscode.commands.executeCommand('editor.action.quickFix');
    await sleep(800);
    await screenshot('quick-fix-menu');
    await vscode.commands.executeCommand('hideCodeActionWidget');
  });

  it("enabling gradient checkpointing edits TrainingArguments in the file's style", async () => {
    const editor = await openFixture('fix_me.py');
    const d = await waitFor(() => oom(editor.document.uri), 'the OOM error', 20000);
    const fix = (await actionsAt(editor.document.uri, d.range)).find((a) => a.title.startsWith('Enable gradient checkpointing'))!;
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    // one keyword per line, trailing comma kept, same indentation
    assert.match(editor.document.getText(), / {4}optim="adamw_torch",\n {4}gradient_checkpointing=True,\n\)/);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => !/gradient_checkpointing/.test(editor.document.getText()), 'the undo');
  });

  it('"fix all" ends with no out-of-memory error', async () => {
    const editor = await openFixture('fix_me.py');
    const d = await waitFor(() => oom(editor.document.uri), 'the OOM error', 20000);
    const all = (await actionsAt(editor.document.uri, d.range)).find((a) => a.title.startsWith('Fix all'))!;
    assert.ok(await vscode.workspace.applyEdit(all.edit!));
    await waitFor(
      () => !oom(editor.document.uri) && ours(editor.document.uri).length >= 0 && !ours(editor.document.uri).some((x) => codeOf(x) === 'vramLens.oom'),
      'the error to clear after fix-all',
      10000,
    );
    // the analysis ran on the edited text: the CodeLens now says it fits
    const lenses = await waitFor(async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
      return l?.find((x) => /fits|tight|may not fit/.test(x.command?.title ?? ''));
    }, 'a CodeLens saying it fits');
    // fits, within the headroom, or the band reaching past the card (verdict.ts): never "exceeds"
    assert.match(lenses.command!.title, /(fits|tight on|may not fit) 1× H100/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

describe('hover', () => {
  it('shows what the micro-batch costs and what halving or doubling it does', async () => {
    const editor = await openFixture('full_ft_oom.py');
    await waitFor(() => oom(editor.document.uri), 'the analysis', 20000);
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('per_device_train_batch_size'));
    const pos = new vscode.Position(line, 8);
    const hovers = await waitFor(async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
      return h?.find((x) => x.contents.some((c) => /VRAM Lens/.test((c as vscode.MarkdownString).value ?? String(c))));
    }, 'the VRAM Lens hover');
    const md = hovers.contents.map((c) => (c as vscode.MarkdownString).value ?? String(c)).join('\n');
    assert.match(md, /`microBatch` = `8`/);
    assert.match(md, /halved \(4\): [\d.]+ GiB \(−[\d.]+ GiB\)/);
    assert.match(md, /doubled \(16\): [\d.]+ GiB \(\+[\d.]+ GiB\) — does not fit/);
    editor.selection = new vscode.Selection(pos, pos);
    await vscode.commands.executeCommand('editor.action.showHover');
    await sleep(800);
    await screenshot('hover');
  });
});

describe('language model tool', () => {
  it('answers an agent with the estimate, the verdict and the fixes', async function () {
    if (!vscode.lm?.invokeTool) this.skip();
    const result = await vscode.lm.invokeTool('vramLens_estimateMemory', { input: { path: 'full_ft_oom.py' }, toolInvocationToken: undefined });
    const text = result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
    assert.match(text, /meta-llama\/Llama-3\.1-8B/);
    assert.match(text, /DOES NOT FIT/);
    assert.match(text, /Enable gradient checkpointing: −[\d.]+ GiB\/GPU/);
    const bad = await vscode.lm.invokeTool('vramLens_estimateMemory', { input: { path: 'no/such/file.py' }, toolInvocationToken: undefined });
    assert.match(bad.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join(''), /Cannot read no\/such\/file\.py/);
  });
});

describe('quick fixes in a YAML config', () => {
  it('axolotl: enabling checkpointing rewrites its key in place, and fix-all clears the error', async () => {
    const editor = await openFixture('axolotl_fix_me.yml');
    const d = await waitFor(() => oom(editor.document.uri), 'the OOM error on the axolotl config', 20000);
    const actions = await actionsAt(editor.document.uri, d.range);
    const gc = actions.find((a) => a.title.startsWith('Enable gradient checkpointing'))!;
    assert.ok(gc, actions.map((a) => a.title).join('\n'));
    assert.ok(await vscode.workspace.applyEdit(gc.edit!));
    // the existing key's value changes; no second key is added
    assert.match(editor.document.getText(), /^gradient_checkpointing: true$/m);
    assert.equal(editor.document.getText().match(/gradient_checkpointing:/g)?.length, 1);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => /^gradient_checkpointing: false$/m.test(editor.document.getText()), 'the undo');
    const d2 = await waitFor(() => oom(editor.document.uri), 'the error again', 10000);
    const all = (await actionsAt(editor.document.uri, d2.range)).find((a) => a.title.startsWith('Fix all'))!;
    assert.ok(all, 'a fix-all action');
    assert.ok(await vscode.workspace.applyEdit(all.edit!));
    await waitFor(() => !oom(editor.document.uri), 'the error to clear after fix-all on the YAML', 10000);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

describe('every quick fix, applied', () => {
  it('changes the file and leaves the verdict its title predicts', async function () {
    this.timeout(180000);
    let editor = await openFixture('fix_me.py');
    const original = editor.document.getText();
    const d = await waitFor(() => oom(editor.document.uri), 'the OOM error', 20000);
    const titles = (await actionsAt(editor.document.uri, d.range)).map((a) => a.title);
    assert.ok(titles.length >= 5, titles.join('\n'));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    for (const title of titles) {
      // each fix on a freshly opened, unedited copy
      editor = await openFixture('fix_me.py');
      assert.equal(editor.document.getText(), original);
      const d0 = await waitFor(() => oom(editor.document.uri), `the OOM error before "${title}"`, 20000);
      // the whole document: after edits elsewhere VS Code's markers can sit away from the diagnostic's own range
      const whole = new vscode.Range(0, 0, editor.document.lineCount, 0);
      const action = (await actionsAt(editor.document.uri, whole)).find((a) => a.title === title);
      assert.ok(action, `"${title}" is offered again on the original text`);
      assert.ok(await vscode.workspace.applyEdit(action.edit!), title);
      assert.notEqual(editor.document.getText(), original, `${title} edits the file`);
      const fits = /\(fits/.test(title);
      // the re-analysis of the edited file agrees with the title: the error is gone exactly when it said "fits"
      await waitFor(
        () => (fits ? !oom(editor.document.uri) : oom(editor.document.uri) && oom(editor.document.uri)!.message !== d0.message),
        `the verdict after "${title}"`,
        10000,
      );
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});
