// Jupyter notebooks: code cells in order as one program, magics commented out without moving any
// offset, every span mapped back to its cell (the editor) and to the .ipynb file (the CLI).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { joinCells, neutralizeMagics, NotebookCell, parseIpynb, reportForCell, spanInCell } from '../../src/analysis/extract/notebook';
import { analyzeNotebookCells, analyzeText, AnalysisDeps, reportToJson } from '../../src/analysis/report';
import { memoryDeps } from './extract-config.test';
import { lineOf, loadDeps, repoRoot, settings } from './helpers';

const nbDir = path.join(repoRoot, 'test', 'fixtures', 'notebooks');
const readNb = (name: string) => fs.readFileSync(path.join(nbDir, name), 'utf8');

describe('notebooks', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });

  describe('magics', () => {
    it('%pip, !pip, x = !cmd, obj? and non-Python cell magics become comments of the same length', () => {
      const src = '%pip install trl\n  !nvidia-smi\nfiles = !ls\nmodel?\nx = 1  # keep\n';
      const out = neutralizeMagics(src);
      assert.equal(out.length, src.length);
      assert.equal(out, '#pip install trl\n  #nvidia-smi\n#iles = !ls\n#odel?\nx = 1  # keep\n');
      assert.equal(neutralizeMagics('%%bash\npip install x\necho hi'), '#%bash\n#ip install x\n#cho hi');
    });
    it('%%capture / %%time keep their Python body', () => {
      assert.equal(neutralizeMagics('%%capture\nimport torch\nx = 2'), '#%capture\nimport torch\nx = 2');
    });
  });

  describe('unsloth_colab.ipynb (Colab style)', () => {
    const text = readNb('unsloth_colab.ipynb');
    it('reads the cells; markdown and the install cell take no part in the program', () => {
      const nb = parseIpynb(text);
      assert.equal(nb.error, undefined);
      assert.deepEqual(
        nb.cells.map((c) => c.kind),
        ['markdown', 'code', 'code', 'code', 'markdown', 'code', 'code', 'code'],
      );
      const j = joinCells(nb.cells, nb.language);
      assert.deepEqual(
        j.segments.map((s) => s.cell),
        [1, 2, 3, 5, 6, 7],
      );
      assert.ok(!/^\s*!pip/m.test(j.text));
    });
    it('values flow across cells: max_seq_length and load_in_4bit are constants of an earlier cell', () => {
      const r = analyzeText(text, 'unsloth_colab.ipynb', settings(), deps);
      assert.deepEqual([r.kind, r.framework, r.model?.spec?.id], ['notebook', 'unsloth', 'meta-llama/Llama-3.1-8B']);
      assert.deepEqual([r.plan!.seqLen.value, r.plan!.seqLen.origin], [2048, 'read']);
      assert.deepEqual([r.plan!.microBatch.value, r.plan!.loraR.value, r.plan!.optimizer.value], [2, 16, 'adamw_8bit']);
      assert.equal(r.plan!.quantization.value, 'nf4');
      assert.ok(r.estimate);
    });
    it('spans are lines of the .ipynb file (the CLI), and each finding names its cell', () => {
      const r = analyzeText(text, 'unsloth_colab.ipynb', settings(), deps);
      // per_device_train_batch_size sits in the JSON string of cell 7 (0-based 6)
      assert.equal(r.hyperparams.microBatch!.span.line, lineOf(text, 'per_device_train_batch_size'));
      const col = text.split('\n')[lineOf(text, 'per_device_train_batch_size')].indexOf('per_device_train_batch_size');
      assert.equal(r.hyperparams.microBatch!.span.column, col);
      assert.equal(r.anchor?.line, lineOf(text, 'FastLanguageModel.from_pretrained('));
    });
  });

  describe('full_ft_oom.ipynb (does not fit on an H100)', () => {
    const text = readNb('full_ft_oom.ipynb');
    it('the OOM error sits on per_device_train_batch_size: in the file for the CLI, with cell 4 line 3', () => {
      const r = analyzeText(text, 'full_ft_oom.ipynb', settings(), deps);
      const oom = r.findings.find((f) => f.code === 'vramLens.oom');
      assert.ok(oom, 'an OOM error');
      assert.equal(oom!.span.line, lineOf(text, 'per_device_train_batch_size=8'));
      assert.deepEqual(oom!.cell, { index: 3, line: 2 });
      const j = reportToJson(r).diagnostics.find((d) => d.code === 'vramLens.oom')!;
      assert.deepEqual([j.line, j.cell, j.cellLine], [lineOf(text, 'per_device_train_batch_size=8') + 1, 4, 3]);
    });
    it('the editor view: each cell gets only its findings, in its own coordinates', () => {
      const nb = parseIpynb(text);
      const cells: NotebookCell[] = nb.cells.map((c) => ({ kind: c.kind, source: c.source, language: 'python' }));
      const { report, joined } = analyzeNotebookCells(cells, 'full_ft_oom.ipynb', settings(), deps);
      const trainerCell = reportForCell(report, joined, 3);
      const oom = trainerCell.findings.find((f) => f.code === 'vramLens.oom')!;
      const cellLines = cells[3].source.split('\n');
      const line = cellLines.findIndex((l) => l.includes('per_device_train_batch_size'));
      assert.deepEqual([oom.span.line, oom.span.column, oom.span.endLine, oom.span.endColumn], [line, 4, line, 4 + 'per_device_train_batch_size=8'.length]);
      assert.ok(
        oom.related.every((x) => x.span.line < cellLines.length),
        'related locations stay in the cell',
      );
      // the model load is in cell 2 (0-based): the CodeLens anchor goes there and nowhere else
      assert.equal(reportForCell(report, joined, 2).anchor?.line, 1);
      assert.equal(trainerCell.anchor, null);
      assert.deepEqual(
        reportForCell(report, joined, 4).findings.filter((f) => f.code === 'vramLens.oom'),
        [],
      );
      // the original report is untouched (each cell gets a copy)
      assert.ok(report.findings.some((f) => f.code === 'vramLens.oom' && f.span.line > 5));
    });
    it('spanInCell maps a joined-program position to the cell and line that hold it', () => {
      const nb = parseIpynb(text);
      const j = joinCells(nb.cells);
      const at = j.text.indexOf('per_device_train_batch_size');
      const c = spanInCell(j, { start: at, end: at + 5, line: 0, column: 0, endLine: 0, endColumn: 0 })!;
      assert.deepEqual([c.cell, c.span.line, c.span.column], [3, 2, 4]);
    });
  });

  it('cells with CRLF line ends, a string source (not a list) and escapes map to the right columns', () => {
    const nb = JSON.stringify({
      cells: [
        {
          cell_type: 'code',
          metadata: {},
          outputs: [],
          source: 'from transformers import TrainingArguments\r\nargs = TrainingArguments(output_dir="o\\u00e9", per_device_train_batch_size=3)',
        },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
    const r = analyzeText(nb, 'x.ipynb', settings(), deps);
    const mb = r.hyperparams.microBatch!;
    assert.equal(mb.value, 3);
    assert.equal(nb.slice(mb.span.start, mb.span.end), 'per_device_train_batch_size=3');
  });

  it('a damaged or empty notebook gives a clear message, never a throw', () => {
    for (const bad of ['', '{', '{"cells": 3}', '[]', '{"cells": [{"cell_type": "code", "source": ["import torch\\n", ']) {
      const r = analyzeText(bad, 'bad.ipynb', settings(), deps);
      assert.equal(r.kind, 'notebook');
      assert.equal(r.estimate, null);
    }
    const r = analyzeText('{"cells": 3}', 'bad.ipynb', settings(), deps);
    assert.ok(r.findings.some((f) => /Could not read the notebook/.test(f.message)));
  });

  it('non-Python notebooks (an R kernel) are not read as Python', () => {
    const nb = JSON.stringify({
      cells: [{ cell_type: 'code', source: ['library(torch)\n'] }],
      metadata: { kernelspec: { language: 'R', name: 'ir' } },
      nbformat: 4,
    });
    const r = analyzeText(nb, 'r.ipynb', settings(), deps);
    assert.deepEqual([r.framework, r.isTraining, r.findings.length], ['unknown', false, 0]);
  });

  describe('cells that launch the training', () => {
    const nbOf = (...cells: string[]) =>
      JSON.stringify({
        cells: cells.map((c) => ({ cell_type: c.startsWith('#md ') ? 'markdown' : 'code', metadata: {}, outputs: [], source: c.split(/(?<=\n)/) })),
        metadata: { kernelspec: { language: 'python' } },
        nbformat: 4,
        nbformat_minor: 5,
      });
    const trainScript = [
      'import transformers',
      'from dataclasses import dataclass, field',
      'from peft import LoraConfig, get_peft_model',
      'from transformers import AutoModelForCausalLM, Trainer',
      '',
      '@dataclass',
      'class Args(transformers.TrainingArguments):',
      '    model_max_length: int = field(default=2048)',
      '    use_lora: bool = False',
      '',
      'def main():',
      '    model_args, args = transformers.HfArgumentParser((Model, Args)).parse_args_into_dataclasses()',
      '    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)',
      '    if args.use_lora:',
      '        model = get_peft_model(model, LoraConfig(r=64, target_modules="all-linear"))',
      '    Trainer(model=model, args=args).train()',
      '',
      'if __name__ == "__main__":',
      '    main()',
      '',
    ].join('\n');

    it("!python script.py --… with the script in the workspace: the script read with the cell's values, every finding on that cell", () => {
      const nb = nbOf(
        '#md # Fine-tune',
        'import json\nprint("prepare data")',
        '!export CUDA_VISIBLE_DEVICES=0\n!python ../train.py \\\n    --model_name_or_path Qwen/Qwen2.5-0.5B \\\n    --per_device_train_batch_size 2 \\\n    --use_lora \\\n    --model_max_length 1024\n',
        'print("done")',
      );
      const deps2 = memoryDeps(deps, '/ws', { 'train.py': trainScript });
      const r = analyzeText(nb, '/ws/notebooks/run.ipynb', settings(), deps2);
      assert.equal(r.isTraining, true);
      const p = r.plan!;
      assert.deepEqual(
        [r.hyperparams.model?.value, p.method.value, p.loraR.value, p.microBatch.value, p.seqLen.value, p.gpus.value],
        ['Qwen/Qwen2.5-0.5B', 'lora', 64, 2, 1024, 1],
      );
      assert.match(p.microBatch.reason, /--per_device_train_batch_size 2 on the command line in the launch cell \(python \.\.\/train\.py/);
      assert.match(p.loraR.reason, /LoraConfig\(r=…\) in train\.py/);
      assert.ok(r.hyperparams.linkedFiles?.includes('/ws/train.py'));
      // no syntax error from the continuation lines of the !command
      assert.equal(r.findings.filter((f) => f.code === 'vramLens.syntax').length, 0);
      // spans are on the launch cell (index 2)
      const cellStart = lineOf(nb, '!export');
      assert.ok(p.microBatch.span!.line >= cellStart, JSON.stringify(p.microBatch.span));
      const j = reportToJson(r);
      assert.ok(
        j.diagnostics.every((d) => d.cell === undefined || d.cell === 3),
        JSON.stringify(j.diagnostics),
      );
    });

    it("the launched script is not in the workspace: its command line is read as the script's arguments", () => {
      const nb = nbOf(
        '!torchrun --nproc_per_node 2 --nnodes 1 ../../finetune.py \\\n  --model_name_or_path "Qwen/Qwen2.5-1.5B/" \\\n  --bf16 True \\\n  --per_device_train_batch_size 1 \\\n  --gradient_accumulation_steps 16 \\\n  --model_max_length 512 \\\n  --gradient_checkpointing True \\\n  --deepspeed ds_config_zero2.json \\\n  --use_lora\n',
      );
      const r = analyzeText(nb, '/ws/recipes/x/nb.ipynb', settings(), memoryDeps(deps, '/ws', {}));
      assert.equal(r.isTraining, true);
      const p = r.plan!;
      assert.deepEqual(
        [
          r.hyperparams.model?.value,
          p.method.value,
          p.microBatch.value,
          p.gradAccumulation.value,
          p.seqLen.value,
          p.gradientCheckpointing.value,
          p.autocast.value,
          p.gpus.value,
          p.sharding.value,
        ],
        ['Qwen/Qwen2.5-1.5B/', 'lora', 1, 16, 512, true, true, 2, 'zero2'],
      );
      assert.match(r.hyperparams.purpose!.reason, /launches \.\.\/\.\.\/finetune\.py/);
    });

    it('%%bash cells and llamafactory-cli: the config read with its key=value overrides', () => {
      const cfg =
        'model_name_or_path: Qwen/Qwen2.5-0.5B\nstage: sft\ndo_train: true\nfinetuning_type: lora\ncutoff_len: 2048\nper_device_train_batch_size: 4\n';
      const nb = nbOf('%%bash\ncd /ws/LLaMA-Factory\nFORCE_TORCHRUN=1 NPROC_PER_NODE=2 llamafactory-cli train examples/sft.yaml cutoff_len=1024\n');
      const r = analyzeText(nb, '/ws/nb.ipynb', settings(), memoryDeps(deps, '/ws', { 'LLaMA-Factory/examples/sft.yaml': cfg }));
      assert.deepEqual([r.isTraining, r.framework, r.plan!.seqLen.value, r.plan!.microBatch.value, r.plan!.gpus.value], [true, 'llama-factory', 1024, 4, 2]);
      assert.match(r.plan!.seqLen.reason, /cutoff_len=1024 on the command line in the launch cell/);
    });

    it('a notebook that trains in its own cells ignores its launch cells; one that only merges or evaluates does not train', () => {
      const own = nbOf(
        '!python prepare_data.py --max_length 64',
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")\nTrainer(model=model, args=TrainingArguments(output_dir="o", per_device_train_batch_size=3)).train()',
      );
      const r = analyzeText(own, '/ws/own.ipynb', settings(), memoryDeps(deps, '/ws', {}));
      assert.equal(r.plan!.microBatch.value, 3);
      const merge = nbOf('!python scripts/merge_adapter_weights.py --peft_model_id runs/x --push_to_hub True');
      assert.equal(analyzeText(merge, '/ws/merge.ipynb', settings(), memoryDeps(deps, '/ws', {})).isTraining, false);
      // a tool run as a module, not in the workspace and with no training argument, is not a training launch
      const tools = nbOf('!python -m spacy download en_core_web_sm\n!python -m torch.utils.collect_env');
      assert.equal(analyzeText(tools, '/ws/tools.ipynb', settings(), memoryDeps(deps, '/ws', {})).isTraining, false);
      // a plain PyTorch loop in the cells wins over a launch cell that prepares data
      const loop = nbOf(
        '!python -m spacy download en_core_web_sm',
        'import torch\nfrom transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")\nopt = torch.optim.AdamW(model.parameters())\nfor b in []:\n    model(**b).loss.backward()\n    opt.step()',
      );
      const lr = analyzeText(loop, '/ws/loop.ipynb', settings(), memoryDeps(deps, '/ws', {}));
      assert.deepEqual([lr.isTraining, lr.plan?.optimizer.value], [true, 'adamw']);
    });

    it('a long cell is read without overflowing the stack (one offset per character)', () => {
      const big = 'x = 1\n' + '# ' + 'a'.repeat(300_000) + '\n';
      const nb = parseIpynb(nbOf(big));
      assert.equal(nb.cells[0].source.length, big.length);
      assert.equal(nb.cells[0].fileOffsets!.length, big.length + 1);
    });
  });
});
