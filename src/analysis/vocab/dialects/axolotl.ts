// axolotl YAML. Sources: axolotl src/axolotl/utils/schemas/*.py, utils/config/__init__.py (resolve_dtype)
// and loaders/model.py at 067b021 (2026-07); key history in docs/sources/framework-keys.md §4.
// Keys with rules of their own (adapter, lora_target_linear, batch_size, bf16: auto, attention flags,
// plugins, activation_offloading) are read in src/analysis/extract/frameworks/axolotl.ts.
import { ConfigWrites, key, KeyTable, KeyWrite, WriteContext } from '../dialect';
import { LORA_RECIPE } from '../changes';
import type { OptimizerKind } from '../../memory/setup';
import { HF_OPTIM } from './hf';
import { asBool, asBoolOrAuto, asCheckpointing, asDtype, asFraction, asNameList, asNumber, asPositiveInt, asString, asTargets } from '../values';

export const AXOLOTL_KEYS: KeyTable = [
  key('loadIn4bit', 'load_in_4bit', asBool),
  key('loadIn8bit', 'load_in_8bit', asBool),
  key('quantType', 'bnb_config_kwargs.bnb_4bit_quant_type', asString),
  key('doubleQuant', 'bnb_config_kwargs.bnb_4bit_use_double_quant', asBool),
  // preference / RL: `trl:` holds TRL's config keys (core/builders/rl.py)
  key('rlBeta', ['rl_beta', 'trl.beta', 'dpo_beta'], asNumber),
  key('numGenerations', 'trl.num_generations', asPositiveInt),
  key('maxCompletionLength', 'trl.max_completion_length', asPositiveInt),
  key('maxPromptLength', ['trl.max_prompt_length', 'max_prompt_len'], asPositiveInt),
  key('useVllm', 'trl.use_vllm', asBool),
  key('vllmMode', 'trl.vllm_mode', asString),
  key('vllmMemoryUtilization', ['trl.vllm_gpu_memory_utilization', 'vllm.gpu_memory_utilization'], asFraction),
  key('vllmSleep', 'trl.vllm_enable_sleep_mode', asBool),
  key('precomputeRef', ['precompute_ref_log_probs', 'trl.precompute_ref_log_probs'], asBool),
  key('loraR', 'lora_r', asPositiveInt),
  key('loraAlpha', 'lora_alpha', asNumber),
  key('loraDropout', 'lora_dropout', asNumber),
  key('loraTargets', 'lora_target_modules', asTargets),
  key('modulesToSave', 'lora_modules_to_save', asNameList),
  key('useDora', 'peft_use_dora', asBool),
  key('microBatch', 'micro_batch_size', asPositiveInt),
  key('gradAccumulation', 'gradient_accumulation_steps', asPositiveInt),
  key('seqLen', 'sequence_len', asPositiveInt),
  key('packing', 'sample_packing', asBool),
  key('gradientCheckpointing', 'gradient_checkpointing', asCheckpointing),
  key('fp16', 'fp16', asBool),
  key('dtype', 'torch_dtype', asDtype),
  key('optimizer', 'optimizer', asString),
  key('torchCompile', 'torch_compile', asBoolOrAuto),
  key('numTrainEpochs', 'num_epochs', asNumber),
  key('maxSteps', 'max_steps', asNumber),
];

// ---- writing ----------------------------------------------------------------------------------------

// axolotl's 8-bit AdamW is bitsandbytes' (schemas/enums.py CustomSupportedOptimizers / HF names)
const axolotlOptim = (v: OptimizerKind): string | null => (v === 'adamw_8bit' ? 'adamw_bnb_8bit' : HF_OPTIM[v]);

const loraKeys = (targets: string[] | 'all-linear' = LORA_RECIPE.targets): KeyWrite[] => [
  { key: 'lora_r', value: LORA_RECIPE.r, field: 'loraR' },
  { key: 'lora_alpha', value: LORA_RECIPE.alpha, field: 'loraAlpha' },
  { key: 'lora_dropout', value: LORA_RECIPE.dropout, field: 'loraDropout' },
  ...targetKeys(targets),
];

function targetKeys(targets: string[] | 'all-linear', x?: WriteContext): KeyWrite[] {
  if (targets === 'all-linear') return [{ key: 'lora_target_linear', value: true, field: 'loraTargets' }];
  // lora_target_linear: true would win over the list (utils/schemas/peft.py)
  return [
    { key: 'lora_target_modules', value: targets, field: 'loraTargets' },
    ...(x?.has('lora_target_linear') ? [{ key: 'lora_target_linear', value: false }] : []),
  ];
}

export const AXOLOTL_WRITES: ConfigWrites = {
  microBatch: (c) => [{ key: 'micro_batch_size', value: c.value, field: 'microBatch' }],
  gradAccumulation: (c) => [{ key: 'gradient_accumulation_steps', value: c.value, field: 'gradAccumulation' }],
  seqLen: (c) => [{ key: 'sequence_len', value: c.value, field: 'seqLen' }],
  gradientCheckpointing: (c) => [{ key: 'gradient_checkpointing', value: c.value, field: 'gradientCheckpointing' }],
  optimizer: (c) => {
    const name = axolotlOptim(c.value);
    return name ? [{ key: 'optimizer', value: name, field: 'optimizer' }] : `${c.value} has no axolotl optimizer name`;
  },
  attention: (c) => [{ key: 'attn_implementation', value: c.value, field: 'attention' }],
  loss: () => 'axolotl chooses the loss through plugins (CutCrossEntropyPlugin, LigerPlugin): add one by hand',
  method: (c, x) =>
    c.value === 'lora' ? [{ key: 'adapter', value: 'lora', field: 'peft' }, ...(x.full ? loraKeys() : [])] : 'remove the adapter: key by hand',
  loraR: (c) => [{ key: 'lora_r', value: c.value, field: 'loraR' }],
  loraTargets: (c, x) => targetKeys(c.value, x),
  loraDropout: (c) => [{ key: 'lora_dropout', value: c.value, field: 'loraDropout' }],
  quantization: (c, x) =>
    c.value === 'nf4'
      ? [
          { key: 'adapter', value: 'qlora', field: 'peft' },
          { key: 'load_in_4bit', value: true, field: 'loadIn4bit' },
          ...(x.has('load_in_8bit') ? [{ key: 'load_in_8bit', value: false, field: 'loadIn8bit' as const }] : []),
          ...(x.full ? loraKeys() : []),
        ]
      : c.value === 'int8'
        ? [
            { key: 'load_in_8bit', value: true, field: 'loadIn8bit' },
            ...(x.has('load_in_4bit') ? [{ key: 'load_in_4bit', value: false, field: 'loadIn4bit' as const }] : []),
            ...(x.has('adapter') || x.full ? [{ key: 'adapter', value: 'lora', field: 'peft' as const }] : []),
            ...(x.full ? loraKeys() : []),
          ]
        : [
            ...(x.has('load_in_4bit') ? [{ key: 'load_in_4bit', value: false, field: 'loadIn4bit' as const }] : []),
            ...(x.has('load_in_8bit') ? [{ key: 'load_in_8bit', value: false, field: 'loadIn8bit' as const }] : []),
            ...(x.has('adapter') ? [{ key: 'adapter', value: 'lora', field: 'peft' as const }] : []),
          ],
  precomputeRef: (c) => [{ key: 'precompute_ref_log_probs', value: c.value, field: 'precomputeRef' }],
  sharding: () => 'axolotl shards through fsdp/fsdp_config or a deepspeed JSON: add them by hand',
};
