// Framework defaults as data: what a library uses when a file leaves a setting out, with the library,
// the version and the file that define it (docs/sources/framework-keys.md has the longer history).
// Readers mark these values "defaulted" with the entry's reason; nothing else in the code repeats them.
import { z } from 'zod';

const DefaultSchema = z.object({
  /** `${framework}.${setting}`: how the code asks for it */
  id: z.string().regex(/^[a-z0-9-]+\.[A-Za-z0-9_.]+$/),
  /** the key (or argument) as the library names it */
  key: z.string().min(1),
  value: z.union([z.number(), z.string(), z.boolean(), z.array(z.string())]),
  library: z.string().min(1),
  /** the version (or commit) whose source says so */
  version: z.string().min(1),
  /** the file in that library that sets it */
  file: z.string().min(1),
  /** what the default means or how it changed, shown after the value */
  note: z.string().optional(),
});

export type FrameworkDefault = z.infer<typeof DefaultSchema>;

const TABLE: FrameworkDefault[] = [
  // ---- transformers (src/transformers/training_args.py, modeling_utils.py, utils/quantization_config.py) ----
  {
    id: 'transformers.microBatch',
    key: 'per_device_train_batch_size',
    value: 8,
    library: 'transformers',
    version: '4.57 / 5.0',
    file: 'src/transformers/training_args.py',
  },
  {
    id: 'transformers.gradAccumulation',
    key: 'gradient_accumulation_steps',
    value: 1,
    library: 'transformers',
    version: '4.57 / 5.0',
    file: 'src/transformers/training_args.py',
  },
  {
    id: 'transformers.gradientCheckpointing',
    key: 'gradient_checkpointing',
    value: false,
    library: 'transformers',
    version: '4.57 / 5.0',
    file: 'src/transformers/training_args.py',
  },
  {
    id: 'transformers.optimizer',
    key: 'optim',
    value: 'adamw_torch_fused',
    library: 'transformers',
    version: '4.55+ with torch >= 2.8',
    file: 'src/transformers/training_args.py',
    note: 'adamw_torch before (PR #37358); adamw_hf before mid-2023',
  },
  {
    id: 'transformers.attention',
    key: 'attn_implementation',
    value: 'sdpa',
    library: 'transformers',
    version: '4.36+',
    file: 'src/transformers/modeling_utils.py',
    note: 'SDPA where the architecture supports it',
  },
  {
    id: 'transformers.torchCompile',
    key: 'torch_compile',
    value: false,
    library: 'transformers',
    version: '4.57 / 5.0',
    file: 'src/transformers/training_args.py',
  },
  {
    id: 'bitsandbytes.quantType',
    key: 'bnb_4bit_quant_type',
    value: 'fp4',
    library: 'transformers',
    version: '4.57 / 5.0',
    file: 'src/transformers/utils/quantization_config.py',
    note: 'BitsAndBytesConfig: fp4, not nf4 (same size)',
  },
  {
    id: 'bitsandbytes.doubleQuant',
    key: 'bnb_4bit_use_double_quant',
    value: false,
    library: 'transformers',
    version: '4.57 / 5.0',
    file: 'src/transformers/utils/quantization_config.py',
  },
  // ---- PEFT (src/peft/tuners/lora/config.py, utils/other.py) ----
  { id: 'peft.loraR', key: 'r', value: 8, library: 'peft', version: '0.17 (5d602fd)', file: 'src/peft/tuners/lora/config.py' },
  { id: 'peft.loraDropout', key: 'lora_dropout', value: 0, library: 'peft', version: '0.17 (5d602fd)', file: 'src/peft/tuners/lora/config.py' },
  { id: 'peft.useDora', key: 'use_dora', value: false, library: 'peft', version: '0.17 (5d602fd)', file: 'src/peft/tuners/lora/config.py' },
  {
    id: 'peft.adapterDtype',
    key: 'autocast_adapter_dtype',
    value: 'float32',
    library: 'peft',
    version: '0.12+',
    file: 'src/peft/tuners/tuners_utils.py',
    note: 'autocast_adapter_dtype=True keeps adapter weights in fp32',
  },
  {
    id: 'peft.kbitCheckpointing',
    key: 'use_gradient_checkpointing',
    value: true,
    library: 'peft',
    version: '0.17 (5d602fd)',
    file: 'src/peft/utils/other.py',
    note: 'prepare_model_for_kbit_training turns gradient checkpointing on',
  },
  // ---- TRL (trl/trainer/*_config.py, model_config.py) at f2cd577 (2026-07) ----
  { id: 'trl.bf16', key: 'bf16', value: true, library: 'trl', version: '0.19+', file: 'trl/trainer/base_config.py', note: 'True unless fp16 is set' },
  {
    id: 'trl.gradientCheckpointing',
    key: 'gradient_checkpointing',
    value: true,
    library: 'trl',
    version: '0.22+',
    file: 'trl/trainer/base_config.py',
    note: 'False before (PR #3510)',
  },
  { id: 'trl.seqLen', key: 'max_length', value: 1024, library: 'trl', version: '0.16+', file: 'trl/trainer/sft_config.py', note: 'SFTConfig/DPOConfig' },
  {
    id: 'trl.modelDtype',
    key: 'dtype',
    value: 'float32',
    library: 'trl',
    version: '1.x',
    file: 'trl/trainer/model_config.py',
    note: 'ModelConfig; torch_dtype=None before',
  },
  { id: 'trl.loraR', key: 'lora_r', value: 16, library: 'trl', version: '1.x', file: 'trl/trainer/model_config.py' },
  { id: 'trl.loraDropout', key: 'lora_dropout', value: 0.05, library: 'trl', version: '1.x', file: 'trl/trainer/model_config.py' },
  {
    id: 'trl.quantType',
    key: 'bnb_4bit_quant_type',
    value: 'nf4',
    library: 'trl',
    version: '1.x',
    file: 'trl/trainer/model_config.py',
    note: 'ModelConfig: nf4, unlike transformers',
  },
  {
    id: 'trl.refDtype',
    key: 'model_init_kwargs.dtype',
    value: 'float32',
    library: 'trl',
    version: '0.27+',
    file: 'trl/trainer/utils.py',
    note: 'models given as strings, the reference included (PR #4778)',
  },
  { id: 'trl.grpo.beta', key: 'beta', value: 0, library: 'trl', version: '0.19+', file: 'trl/trainer/grpo_config.py', note: 'no reference model (PR #3516)' },
  { id: 'trl.rloo.beta', key: 'beta', value: 0.05, library: 'trl', version: '0.21+', file: 'trl/trainer/rloo_config.py' },
  { id: 'trl.dpo.beta', key: 'beta', value: 0.1, library: 'trl', version: '0.9+', file: 'trl/trainer/dpo_config.py' },
  { id: 'trl.grpo.numGenerations', key: 'num_generations', value: 8, library: 'trl', version: '0.15+', file: 'trl/trainer/grpo_config.py' },
  { id: 'trl.rloo.numGenerations', key: 'num_generations', value: 2, library: 'trl', version: '0.21+', file: 'trl/trainer/rloo_config.py' },
  {
    id: 'trl.grpo.maxCompletionLength',
    key: 'max_completion_length',
    value: 256,
    library: 'trl',
    version: '<= 1.9',
    file: 'trl/trainer/grpo_config.py',
    note: '512 on main',
  },
  { id: 'trl.ppo.responseLength', key: 'response_length', value: 53, library: 'trl', version: '0.11+', file: 'trl/experimental/ppo/ppo_config.py' },
  {
    id: 'trl.ppo.rolloutBatch',
    key: 'local_rollout_forward_batch_size',
    value: 64,
    library: 'trl',
    version: '0.11+',
    file: 'trl/experimental/ppo/ppo_config.py',
  },
  { id: 'trl.vllmMode', key: 'vllm_mode', value: 'colocate', library: 'trl', version: '1.0+', file: 'trl/trainer/grpo_config.py', note: '"server" before' },
  { id: 'trl.vllmMemoryUtilization', key: 'vllm_gpu_memory_utilization', value: 0.3, library: 'trl', version: '0.18+', file: 'trl/trainer/grpo_config.py' },
  { id: 'trl.vllmSleep', key: 'vllm_enable_sleep_mode', value: false, library: 'trl', version: '0.20+', file: 'trl/trainer/grpo_config.py' },
  { id: 'trl.useVllm', key: 'use_vllm', value: false, library: 'trl', version: '0.14+', file: 'trl/trainer/grpo_config.py' },
  // ---- Unsloth (unsloth/models/loader.py, llama.py) at 015bdef ----
  {
    id: 'unsloth.loadIn4bit',
    key: 'load_in_4bit',
    value: true,
    library: 'unsloth',
    version: '2025.x (015bdef)',
    file: 'unsloth/models/loader.py',
    note: 'nf4 with double quantization',
  },
  { id: 'unsloth.seqLen', key: 'max_seq_length', value: 2048, library: 'unsloth', version: '2025.x (015bdef)', file: 'unsloth/models/loader.py' },
  {
    id: 'unsloth.dtype',
    key: 'dtype',
    value: 'bfloat16',
    library: 'unsloth',
    version: '2025.x (015bdef)',
    file: 'unsloth/models/loader.py',
    note: 'dtype=None: bf16 where the GPU supports it, else fp16',
  },
  {
    id: 'unsloth.gradientCheckpointing',
    key: 'use_gradient_checkpointing',
    value: 'unsloth',
    library: 'unsloth',
    version: '2025.x (015bdef)',
    file: 'unsloth/models/llama.py',
    note: 'checkpointing with the saved layer inputs offloaded to CPU',
  },
  {
    id: 'unsloth.loraR',
    key: 'r',
    value: 16,
    library: 'unsloth',
    version: '2025.x (015bdef)',
    file: 'unsloth/models/llama.py',
    note: 'FastLanguageModel.get_peft_model',
  },
  {
    id: 'unsloth.loraTargets',
    key: 'target_modules',
    value: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    library: 'unsloth',
    version: '2025.x (015bdef)',
    file: 'unsloth/models/llama.py',
  },
  {
    id: 'unsloth.vllmMemoryUtilization',
    key: 'gpu_memory_utilization',
    value: 0.5,
    library: 'unsloth',
    version: '2025.x (015bdef)',
    file: 'unsloth/models/loader.py',
  },
  // ---- axolotl (src/axolotl/utils/schemas/*.py, loaders/model.py) at 067b021 ----
  { id: 'axolotl.microBatch', key: 'micro_batch_size', value: 1, library: 'axolotl', version: '0.12 (067b021)', file: 'src/axolotl/utils/schemas/config.py' },
  { id: 'axolotl.seqLen', key: 'sequence_len', value: 512, library: 'axolotl', version: '0.12 (067b021)', file: 'src/axolotl/utils/schemas/config.py' },
  {
    id: 'axolotl.bf16',
    key: 'bf16',
    value: 'auto',
    library: 'axolotl',
    version: '0.12 (067b021)',
    file: 'src/axolotl/utils/schemas/config.py',
    note: 'True on Ampere or newer GPUs',
  },
  {
    id: 'axolotl.optimizer',
    key: 'optimizer',
    value: 'adamw_torch_fused',
    library: 'axolotl',
    version: '0.8.0+',
    file: 'src/axolotl/utils/schemas/training.py',
    note: 'PR axolotl#2425; adamw_hf before',
  },
  {
    id: 'axolotl.quantType',
    key: 'bnb_4bit_quant_type',
    value: 'nf4',
    library: 'axolotl',
    version: '0.12 (067b021)',
    file: 'src/axolotl/loaders/model.py',
    note: 'the 4-bit BitsAndBytesConfig axolotl builds',
  },
  {
    id: 'axolotl.doubleQuant',
    key: 'bnb_4bit_use_double_quant',
    value: true,
    library: 'axolotl',
    version: '0.12 (067b021)',
    file: 'src/axolotl/loaders/model.py',
    note: 'the 4-bit BitsAndBytesConfig axolotl builds',
  },
  // ---- LLaMA-Factory (src/llamafactory/hparams/*.py, v1/config/*.py) at ff6d4d1 ----
  {
    id: 'llama-factory.finetuningType',
    key: 'finetuning_type',
    value: 'lora',
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/hparams/finetuning_args.py',
  },
  {
    id: 'llama-factory.loraR',
    key: 'lora_rank',
    value: 8,
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/hparams/finetuning_args.py',
  },
  {
    id: 'llama-factory.loraTargets',
    key: 'lora_target',
    value: 'all',
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/hparams/finetuning_args.py',
    note: 'every linear layer but the head',
  },
  {
    id: 'llama-factory.seqLen',
    key: 'cutoff_len',
    value: 2048,
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/hparams/data_args.py',
    note: '1024 in v0.7',
  },
  {
    id: 'llama-factory.quantType',
    key: 'quantization_type',
    value: 'nf4',
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/hparams/model_args.py',
  },
  {
    id: 'llama-factory.doubleQuant',
    key: 'double_quantization',
    value: true,
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/hparams/model_args.py',
  },
  {
    id: 'llama-factory.gradientCheckpointing',
    key: 'disable_gradient_checkpointing',
    value: false,
    library: 'LLaMA-Factory',
    version: '0.9 (ff6d4d1)',
    file: 'src/llamafactory/model/model_utils/checkpointing.py',
    note: 'checkpointing is on unless disabled',
  },
  {
    id: 'llama-factory-v1.microBatch',
    key: 'micro_batch_size',
    value: 1,
    library: 'LLaMA-Factory',
    version: 'v1 (ff6d4d1)',
    file: 'src/llamafactory/v1/config/training_args.py',
  },
  {
    id: 'llama-factory-v1.seqLen',
    key: 'cutoff_len',
    value: 2048,
    library: 'LLaMA-Factory',
    version: 'v1 (ff6d4d1)',
    file: 'src/llamafactory/v1/config/data_args.py',
  },
  {
    id: 'llama-factory-v1.bf16',
    key: 'bf16',
    value: true,
    library: 'LLaMA-Factory',
    version: 'v1 (ff6d4d1)',
    file: 'src/llamafactory/v1/config/training_args.py',
  },
  {
    id: 'llama-factory-v1.gradientCheckpointing',
    key: 'enable_activation_checkpointing',
    value: true,
    library: 'LLaMA-Factory',
    version: 'v1 (ff6d4d1)',
    file: 'src/llamafactory/v1/config/training_args.py',
  },
  {
    id: 'llama-factory-v1.optimizer',
    key: 'optim_config',
    value: 'adamw_torch',
    library: 'LLaMA-Factory',
    version: 'v1 (ff6d4d1)',
    file: 'src/llamafactory/v1/core/base_trainer.py',
    note: 'no optim_config: torch.optim.AdamW',
  },
  // ---- torchtune (torchtune/models/*/_component_builders.py, training/precision.py, recipes/*.py) at bd2a0fc ----
  { id: 'torchtune.loraR', key: 'lora_rank', value: 8, library: 'torchtune', version: '0.6 (bd2a0fc)', file: 'torchtune/models/llama3/_component_builders.py' },
  {
    id: 'torchtune.dtype',
    key: 'dtype',
    value: 'float32',
    library: 'torchtune',
    version: '0.6 (bd2a0fc)',
    file: 'torchtune/training/precision.py',
    note: 'get_dtype(None)',
  },
  {
    id: 'torchtune.gradientCheckpointing',
    key: 'enable_activation_checkpointing',
    value: false,
    library: 'torchtune',
    version: '0.6 (bd2a0fc)',
    file: 'recipes/lora_finetune_single_device.py',
  },
  // ---- ms-swift 3.x (swift/llm/argument/tuner_args.py TunerArguments, base_args/quant_args.py QuantizeArguments,
  // swift/trainers/arguments.py TrainArgumentsMixin) ----
  { id: 'ms-swift.tunerType', key: 'tuner_type', value: 'lora', library: 'ms-swift', version: '3.x', file: 'swift/llm/argument/tuner_args.py' },
  { id: 'ms-swift.loraR', key: 'lora_rank', value: 8, library: 'ms-swift', version: '3.x', file: 'swift/llm/argument/tuner_args.py' },
  { id: 'ms-swift.loraTargets', key: 'target_modules', value: 'all-linear', library: 'ms-swift', version: '3.x', file: 'swift/llm/argument/tuner_args.py' },
  {
    id: 'ms-swift.quantType',
    key: 'bnb_4bit_quant_type',
    value: 'nf4',
    library: 'ms-swift',
    version: '3.x',
    file: 'swift/llm/argument/base_args/quant_args.py',
  },
  {
    id: 'ms-swift.doubleQuant',
    key: 'bnb_4bit_use_double_quant',
    value: true,
    library: 'ms-swift',
    version: '3.x',
    file: 'swift/llm/argument/base_args/quant_args.py',
  },
  {
    id: 'ms-swift.gradientCheckpointing',
    key: 'gradient_checkpointing',
    value: true,
    library: 'ms-swift',
    version: '3.x',
    file: 'swift/trainers/arguments.py',
  },
  // ---- open-instruct (open_instruct/finetune.py FlatArguments) ----
  { id: 'open-instruct.loraR', key: 'lora_rank', value: 64, library: 'open-instruct', version: 'main (2025)', file: 'open_instruct/finetune.py' },
  { id: 'open-instruct.loraDropout', key: 'lora_dropout', value: 0.1, library: 'open-instruct', version: 'main (2025)', file: 'open_instruct/finetune.py' },
  { id: 'open-instruct.flashAttn', key: 'use_flash_attn', value: true, library: 'open-instruct', version: 'main (2025)', file: 'open_instruct/finetune.py' },
  // ---- oumi (src/oumi/core/configs/params/model_params.py, training_params.py) ----
  { id: 'oumi.dtype', key: 'model.torch_dtype_str', value: 'float32', library: 'oumi', version: '0.1', file: 'src/oumi/core/configs/params/model_params.py' },
  {
    id: 'oumi.gradientCheckpointing',
    key: 'training.enable_gradient_checkpointing',
    value: false,
    library: 'oumi',
    version: '0.1',
    file: 'src/oumi/core/configs/params/training_params.py',
  },
  // ---- LitGPT and verl ----
  { id: 'litgpt.loraR', key: 'lora_r', value: 8, library: 'LitGPT', version: '0.5', file: 'litgpt/finetune/lora.py' },
  {
    id: 'verl.gradientCheckpointing',
    key: 'model.enable_gradient_checkpointing',
    value: false,
    library: 'verl',
    version: '0.4',
    file: 'verl/trainer/config/sft_trainer.yaml',
  },
  // ---- DeepSpeed and accelerate ----
  {
    id: 'deepspeed.zeroStage',
    key: 'zero_optimization.stage',
    value: 0,
    library: 'DeepSpeed',
    version: '0.17',
    file: 'deepspeed/runtime/zero/config.py',
    note: 'no ZeRO sharding',
  },
  {
    id: 'accelerate.zeroStage',
    key: 'deepspeed_config.zero_stage',
    value: 2,
    library: 'accelerate',
    version: '1.10 (16cb6eb)',
    file: 'src/accelerate/utils/dataclasses.py',
    note: 'DeepSpeedPlugin default',
  },
  {
    id: 'accelerate.fsdpStrategy',
    key: 'fsdp_config.fsdp_sharding_strategy',
    value: 'full_shard',
    library: 'accelerate',
    version: '1.10 (16cb6eb)',
    file: 'src/accelerate/utils/dataclasses.py',
  },
];

const CONFIG_LIBRARIES = new Set(['axolotl', 'LLaMA-Factory', 'torchtune', 'DeepSpeed', 'accelerate', 'ms-swift', 'open-instruct', 'verl', 'oumi']);

let byId: Map<string, FrameworkDefault> | undefined;

/** Every default, validated once (zod) and frozen. */
export function frameworkDefaults(): ReadonlyMap<string, FrameworkDefault> {
  if (!byId) {
    const parsed = z.array(DefaultSchema).parse(TABLE);
    byId = new Map(parsed.map((d) => [d.id, Object.freeze(d)]));
    if (byId.size !== parsed.length) throw new Error('duplicate framework default id');
  }
  return byId;
}

/** A default by id; throws on an unknown id (a programming error, caught by the tests). */
export function frameworkDefault(id: string): FrameworkDefault {
  const d = frameworkDefaults().get(id);
  if (!d) throw new Error(`no framework default ${id}`);
  return d;
}

/** "TrainingArguments default per_device_train_batch_size=8 (transformers 4.57 / 5.0, training_args.py)". */
export function defaultReason(id: string, lead?: string): string {
  const d = frameworkDefault(id);
  const v = Array.isArray(d.value) ? `[${d.value.join(', ')}]` : String(d.value);
  const file = d.file.split('/').pop();
  // configs write `key: value`, Python APIs `key=value`
  const sep = CONFIG_LIBRARIES.has(d.library) ? ': ' : '=';
  return `${lead ?? `${d.library} default`} ${d.key}${sep}${v}${d.note ? ` (${d.note})` : ''} — ${d.library} ${d.version}, ${file}`;
}
