// Hardware commands in the real extension host: Find Largest … That Fits writes the answer into the file
// with a WorkspaceEdit (and the re-analysed file fits), and a custom GPU from settings becomes the target.
// Public API only.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, waitFor } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'VRAM Lens');

// An 8B LoRA job without checkpointing: 16 × 2048 tokens per micro-batch is far over one 80 GB H100.
const SCRIPT = `from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", dtype="bfloat16")
model = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear"))
args = TrainingArguments(output_dir="out", per_device_train_batch_size=16, gradient_accumulation_steps=1, max_seq_length=2048, bf16=True)
trainer = Trainer(model=model, args=args)
trainer.train()
`;

async function lensTitle(uri: vscode.Uri, pattern: RegExp): Promise<string> {
  return waitFor(
    async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.map((x) => x.command?.title ?? '').find((t) => pattern.test(t));
    },
    `a CodeLens matching ${pattern}`,
    20000,
  );
}

describe('hardware commands', () => {
  it('registers Find Largest … That Fits and Set Training Tokens', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const c of ['vramLens.findLargestFitting', 'vramLens.setTrainingTokens', 'vramLens.compareGpuCosts']) assert.ok(commands.has(c), c);
  });

  it('finds the largest micro-batch that fits and writes it into the file; the file then fits', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: SCRIPT });
    await vscode.window.showTextDocument(doc, { preview: false });
    await waitFor(() => ours(doc.uri).find((d) => codeOf(d) === 'vramLens.oom'), 'the OOM error first', 20000);
    const r = await vscode.commands.executeCommand<{ field: string; value: number | null; applied: boolean }>('vramLens.findLargestFitting', {
      field: 'micro_batch',
      apply: true,
    });
    assert.ok(r, 'the command answers');
    assert.equal(r.field, 'micro_batch');
    assert.ok(r.value !== null && r.value >= 1 && r.value < 16, JSON.stringify(r));
    assert.equal(r.applied, true);
    assert.match(doc.getText(), new RegExp(`per_device_train_batch_size=${r.value},`));
    await waitFor(
      () => !ours(doc.uri).some((d) => codeOf(d) === 'vramLens.oom' || codeOf(d) === 'vramLens.tight'),
      'no OOM or tight warning after the edit',
      20000,
    );
    // asking again without apply: the same answer, nothing to change
    const again = await vscode.commands.executeCommand<{ value: number | null; applied: boolean }>('vramLens.findLargestFitting', { field: 'micro_batch' });
    assert.equal(again?.value, r.value);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('a GPU from vramLens.customGpus can be the target; an invalid entry is skipped', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'python',
      content: SCRIPT.replace('per_device_train_batch_size=16', 'per_device_train_batch_size=1'),
    });
    await vscode.window.showTextDocument(doc, { preview: false });
    const cfg = vscode.workspace.getConfiguration('vramLens');
    await cfg.update(
      'customGpus',
      [
        { id: 'lab-gpu-200gb', name: 'Lab GPU 200GB', memoryGiB: 200, bf16Tflops: 500 },
        { id: 'broken', name: 'no memory' },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    await cfg.update('targetGpu', 'lab-gpu-200gb', vscode.ConfigurationTarget.Workspace);
    try {
      assert.match(await lensTitle(doc.uri, /Lab GPU 200GB/), /fits 1× Lab GPU 200GB/);
    } finally {
      await cfg.update('targetGpu', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg.update('customGpus', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await lensTitle(doc.uri, /H100 SXM 80GB/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
