// npm run bench:corpus — extraction and estimation over every file of the shared corpus of real configs
// (../shared/corpus, or the folder given as the first argument / $VRAM_LENS_CORPUS). Prints, per framework,
// the files, how many train, how many name a model the catalog resolves and how many get an estimate;
// the crashes; and the memory-relevant keys seen but not used, most frequent first.
// Targets (issue #4): zero crashes; an estimate for ≥ 95% of the training configs whose model is in the catalog.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { walkFiles } from './lib/files';
import { extractConfig } from '../src/analysis/extract/frameworks/index';
import { walkEntries, isMap } from '../src/analysis/extract/frameworks/tree';
import { parseConfig } from '../src/analysis/extract/frameworks/index';
import { analyzeText, DEFAULT_SETTINGS, fileKindOf, Report } from '../src/analysis/report';
import { nodeAnalysisDeps } from '../src/node-deps';

const root = path.resolve(process.argv[2] ?? process.env.VRAM_LENS_CORPUS ?? path.join(__dirname, '..', '..', '..', 'shared', 'corpus'));

// Keys whose last segment names something that changes GPU memory (batch, sequence, precision, adapters,
// quantization, checkpointing, offload, sharding, parallelism, optimizer, attention/loss kernels).
const MEMORY_KEY =
  /batch|seq(uence)?_?len|max_length|cutoff|context|lora|rank|quant|_bit|dtype|bf16|fp16|fp8|precision|checkpoint|offload|shard|fsdp|deepspeed|zero|parallel|_size$|optim|packing|attn|attention|compile|kernel|liger|cross_entropy|num_processes|num_gpus|dora|adapter|finetuning_type|peft|teacher|ref_|reward|generation|vllm|memory/i;
// ... minus settings of those features that do not change memory
const NOT_MEMORY =
  /val_set_size|log_peak_memory|machine_rank|downcast_bf16|export_size|image_size|state_dict_type|auto_wrap_policy|layer_cls_to_wrap|sync_module_states|use_orig_params|backward_prefetch|forward_prefetch|limit_all_gathers|ram_efficient_loading|save_16bit|save_on_each_node|logging|eval_steps|save_steps|_dir$|_path$|^lora_alpha$|lr$|learning_rate|warmup|scheduler|seed|wandb|_name$|output|dataset|template|tokenizer\.(path|_component_)|checkpoint_(dir|files)|recipe_checkpoint|resume|multinode_launcher|zero3_init_flag|init_lora_weights|lora_dropout|dcp_path|_steps$|overlap_comm|contiguous_gradients|round_robin|allgather_partitions|reduce_scatter|pin_memory|loss_scale|hysteresis|initial_scale_power|steps_per_print|wall_clock|gradient_clipping|clip_grad|enabled$|type$/i;

interface Row {
  file: string;
  framework: string;
  purpose: string;
  training: boolean;
  modelRef?: string;
  resolved: boolean;
  estimate: boolean;
  crash?: string;
}

async function main(): Promise<number> {
  if (!existsSync(root)) {
    console.log(`bench:corpus: no corpus at ${root}; skipped.`);
    return 0;
  }
  const deps = { ...(await nodeAnalysisDeps(path.join(__dirname, '..'))), workspaceRoot: root };
  const rows: Row[] = [];
  const unused = new Map<string, number>();
  const t0 = performance.now();
  for (const file of walkFiles(root)) {
    const rel = path.relative(root, file);
    const kind = fileKindOf(file);
    if (kind === 'unknown') continue;
    const text = readFileSync(file, 'utf8');
    let r: Report;
    try {
      r = analyzeText(text, rel, DEFAULT_SETTINGS, deps);
    } catch (e) {
      rows.push({ file: rel, framework: '?', purpose: '?', training: false, resolved: false, estimate: false, crash: (e as Error).stack ?? String(e) });
      continue;
    }
    const training = r.isTraining;
    rows.push({
      file: rel,
      framework: r.framework === 'llama-factory' && r.hyperparams.dialect ? `llama-factory ${r.hyperparams.dialect}` : r.framework,
      purpose: r.hyperparams.purpose?.value ?? (training ? 'training' : 'unknown'),
      training,
      modelRef: r.model?.ref,
      resolved: !!r.model?.spec,
      estimate: !!r.estimate,
    });
    // keys seen but not used: not modelled, unreadable, or memory-relevant keys the reader never looked at
    const seen = new Set<string>();
    for (const n of r.hyperparams.notModelled ?? []) seen.add(n.key);
    for (const u of r.hyperparams.unread) seen.add(u.key);
    if (kind === 'yaml' || kind === 'json') {
      try {
        const x = extractConfig(text, kind);
        const doc = parseConfig(text, kind);
        if (isMap(doc.root) && r.framework !== 'unknown') {
          for (const { path: p, entry } of walkEntries(doc.root)) {
            if (isMap(entry.value)) continue;
            const last = p.split('.').pop()!;
            if (!MEMORY_KEY.test(last) || NOT_MEMORY.test(last) || NOT_MEMORY.test(p)) continue;
            if (x.used.has(p) || [...x.used].some((u) => p.startsWith(u + '.'))) continue;
            if (entry.value.kind === 'scalar' && (entry.value.value === null || entry.value.value === false)) continue;
            seen.add(p);
          }
        }
      } catch (e) {
        rows[rows.length - 1].crash = (e as Error).stack ?? String(e);
      }
    }
    for (const k of seen) unused.set(`${r.framework}: ${k}`, (unused.get(`${r.framework}: ${k}`) ?? 0) + 1);
  }
  const ms = performance.now() - t0;

  const frameworks = [...new Set(rows.map((r) => r.framework))].sort();
  const table: string[][] = [['framework', 'files', 'training', 'model resolved', 'estimate', 'not training (purpose)']];
  for (const fw of frameworks) {
    const rs = rows.filter((r) => r.framework === fw);
    const purposes = new Map<string, number>();
    for (const r of rs.filter((x) => !x.training)) purposes.set(r.purpose, (purposes.get(r.purpose) ?? 0) + 1);
    table.push([
      fw,
      String(rs.length),
      String(rs.filter((r) => r.training).length),
      String(rs.filter((r) => r.training && r.resolved).length),
      String(rs.filter((r) => r.estimate).length),
      [...purposes].map(([p, n]) => `${p} ${n}`).join(', '),
    ]);
  }
  const all = (f: (r: Row) => boolean) => rows.filter(f).length;
  table.push(['total', String(rows.length), String(all((r) => r.training)), String(all((r) => r.training && r.resolved)), String(all((r) => r.estimate)), '']);
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  console.log(`corpus: ${root}`);
  for (const r of table) console.log(r.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));

  const crashes = rows.filter((r) => r.crash);
  console.log(`\ncrashes: ${crashes.length}`);
  for (const c of crashes) console.log(`  ${c.file}: ${c.crash!.split('\n').slice(0, 3).join(' | ')}`);

  const inCatalog = rows.filter((r) => r.training && r.resolved);
  const withEstimate = inCatalog.filter((r) => r.estimate);
  const share = inCatalog.length ? (withEstimate.length / inCatalog.length) * 100 : 100;
  console.log(
    `training configs whose model is in the catalog: ${inCatalog.length}; with an estimate: ${withEstimate.length} (${share.toFixed(1)}%, target ≥ 95%)`,
  );
  for (const r of inCatalog.filter((x) => !x.estimate)) console.log(`  no estimate: ${r.file}`);
  const unresolved = rows.filter((r) => r.training && !r.resolved);
  const refs = new Map<string, number>();
  for (const r of unresolved) refs.set(r.modelRef ?? '(no model key)', (refs.get(r.modelRef ?? '(no model key)') ?? 0) + 1);
  console.log(
    `training configs whose model is not in the catalog: ${unresolved.length} (${[...refs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`)
      .join(', ')}${refs.size > 12 ? ', …' : ''})`,
  );

  console.log('\nmemory-relevant keys seen but not used (files), most frequent first:');
  const sorted = [...unused].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [k, n] of sorted.slice(0, 40)) console.log(`  ${String(n).padStart(4)}  ${k}`);
  if (sorted.length > 40) console.log(`  … ${sorted.length - 40} more keys seen once or twice`);
  console.log(`\n${rows.length} files in ${(ms / 1000).toFixed(2)} s (${(ms / Math.max(1, rows.length)).toFixed(1)} ms per file)`);
  return crashes.length > 0 || share < 95 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
