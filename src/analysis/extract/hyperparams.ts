// The raw hyperparameters read from a file, each with where it was found. Framework-neutral: the plan
// stage (src/analysis/plan) turns them into a complete TrainingPlan with defaults.
import { Found, SourceSpan, Unread } from './source';

export type FileKind = 'python' | 'yaml' | 'json' | 'notebook' | 'shell' | 'unknown';
export type Framework =
  | 'transformers'
  | 'trl'
  | 'unsloth'
  | 'pytorch'
  | 'axolotl'
  | 'llama-factory'
  | 'torchtune'
  | 'accelerate'
  | 'deepspeed'
  | 'litgpt'
  | 'mistral-finetune'
  | 'open-instruct'
  | 'ms-swift'
  | 'verl'
  | 'oumi'
  | 'mergekit'
  /** a task file (dstack, SkyPilot) whose commands launch the training: its values are in the commands */
  | 'task'
  | 'unknown';

/** What a config is for. Only training gets OOM checks (docs/sources/parsing-pitfalls.md §9). */
export type Purpose = 'training' | 'inference' | 'merge' | 'evaluation' | 'quantization' | 'launcher' | 'unknown';

/** Where a call sits in the text, so that a fix can add or change its arguments without reformatting. */
export interface CallSite {
  callee: string;
  span: SourceSpan;
  /** offset of the closing parenthesis */
  closeParen: number;
  /** offset just after the last argument (after '(' when there is none) */
  lastArgEnd: number;
  hasArgs: boolean;
  /** a comma follows the last argument */
  trailingComma: boolean;
  /** the indentation of arguments written one per line, else null (arguments on the call's line) */
  argIndent: string | null;
  /** end of the line that ends the statement holding the call, and that statement's indentation */
  statementEnd: number;
  statementIndent: string;
  /** `model = AutoModelForCausalLM.from_pretrained(...)` -> "model" */
  assignedTo?: string;
  /** every keyword argument written in the call (`name=value`), so a fix replaces it rather than adding a second one */
  keywords: Record<string, SourceSpan>;
}

export interface ImportInfo {
  /** names bound by import statements (`torch`, `BitsAndBytesConfig`, `bnb`) */
  names: string[];
  /** offset after the last top-level import statement's line (0 when none) */
  insertAt: number;
}

export interface Hyperparams {
  kind: FileKind;
  framework: Framework;
  /** model id or local path */
  model?: Found<string>;
  /** the call or key that loads the model: where the CodeLens sits */
  modelLoad?: SourceSpan;
  /** the trainer / training-arguments call */
  trainer?: SourceSpan;
  /** the training-arguments class used (TrainingArguments, SFTConfig, ...): its defaults apply */
  argsClass?: string;
  /** the trainer class used (Trainer, SFTTrainer, ...) */
  trainerClass?: string;
  /** torch_dtype / dtype: 'float32' | 'bfloat16' | 'float16' | 'auto' */
  dtype?: Found<string>;
  loadIn4bit?: Found<boolean>;
  loadIn8bit?: Found<boolean>;
  quantType?: Found<string>;
  doubleQuant?: Found<boolean>;
  /** a LoraConfig / get_peft_model / adapter: lora was seen */
  peft?: Found<boolean>;
  loraR?: Found<number>;
  loraAlpha?: Found<number>;
  loraTargets?: Found<string[] | 'all-linear'>;
  loraDropout?: Found<number>;
  useDora?: Found<boolean>;
  modulesToSave?: Found<string[]>;
  kbitPrep?: Found<boolean>;
  microBatch?: Found<number>;
  gradAccumulation?: Found<number>;
  seqLen?: Found<number>;
  gradientCheckpointing?: Found<boolean | string>;
  bf16?: Found<boolean>;
  fp16?: Found<boolean>;
  optimizer?: Found<string>;
  attention?: Found<string>;
  packing?: Found<boolean>;
  liger?: Found<boolean>;
  torchCompile?: Found<boolean>;
  deepspeed?: Found<string>;
  fsdp?: Found<string>;
  gpus?: Found<number>;
  /** num_train_epochs (training length, for time and cost; not memory) */
  numTrainEpochs?: Found<number>;
  /** max_steps; <= 0 means "not set" (HF default -1) */
  maxSteps?: Found<number>;
  /** training examples when the file gives the count literally (dataset.select(range(N)), split="train[:N]") */
  datasetSize?: Found<number>;
  /** preference / RL (TRL configs and trainers, Unsloth fast_inference) */
  rlBeta?: Found<number>;
  lossType?: Found<string>;
  numGenerations?: Found<number>;
  maxPromptLength?: Found<number>;
  maxCompletionLength?: Found<number>;
  stepsPerGeneration?: Found<number>;
  useVllm?: Found<boolean>;
  vllmMode?: Found<string>;
  vllmMemoryUtilization?: Found<number>;
  vllmSleep?: Found<boolean>;
  precomputeRef?: Found<boolean>;
  /** the trainer was given an explicit reference model (ref_model=...) */
  refModel?: Found<boolean>;
  /** dtype in args.model_init_kwargs (how TRL loads models it is given as strings, the reference included) */
  modelInitDtype?: Found<string>;
  fastInference?: Found<boolean>;
  /** DeepSpeed zero_optimization.stage (from a linked or inline DeepSpeed config, or accelerate's zero_stage) */
  zeroStage?: Found<number>;
  /** optimizer state on CPU: ZeRO offload_optimizer, FSDP offload_params */
  offloadOptimizer?: Found<boolean>;
  /** parameters on CPU: ZeRO-3 offload_param, FSDP offload_params */
  offloadParams?: Found<boolean>;
  /** saved activations offloaded to CPU (torchtune enable_activation_offloading, axolotl/TRL activation_offloading) */
  activationOffload?: Found<boolean>;
  /** torchtune optimizer_in_bwd */
  optimizerInBackward?: Found<boolean>;
  /** the loss implementation when the file chooses one (chunked / fused linear cross-entropy) */
  loss?: Found<'standard' | 'chunked' | 'fused_linear'>;
  /** dtype of the LoRA adapter weights when the framework does not follow PEFT's fp32 default */
  adapterDtype?: Found<string>;
  /** what the model predicts: a sequence classifier (AutoModelForSequenceClassification, num_labels) */
  task?: Found<{ kind: 'causal-lm' | 'seq-cls'; labels: number }>;
  /** configs: what the file is for, and why we think so */
  purpose?: { value: Purpose; reason: string };
  /** configs: the format's dialect when it changes defaults (LLaMA-Factory 'v1') */
  dialect?: string;
  /** memory-relevant keys present in the file that the estimate does not model */
  notModelled?: { key: string; span: SourceSpan; value: string }[];
  /** other files this analysis read (DeepSpeed/accelerate configs, launch scripts): editing one re-analyses this file */
  linkedFiles?: string[];
  /** call sites that fixes edit (Python only) */
  sites: { modelLoad?: CallSite; trainingArgs?: CallSite; trainer?: CallSite; lora?: CallSite; bnb?: CallSite; optimizer?: CallSite };
  imports?: ImportInfo;
  /** values that are there but could not be read statically */
  unread: Unread[];
  /** the file could not be parsed cleanly (syntax errors); what was read is still usable */
  syntaxErrors: SourceSpan[];
}

export type HyperparamKey = Exclude<
  keyof Hyperparams,
  | 'kind'
  | 'framework'
  | 'modelLoad'
  | 'trainer'
  | 'argsClass'
  | 'trainerClass'
  | 'sites'
  | 'imports'
  | 'unread'
  | 'syntaxErrors'
  | 'purpose'
  | 'dialect'
  | 'notModelled'
  | 'linkedFiles'
>;

export function emptyHyperparams(kind: FileKind): Hyperparams {
  return { kind, framework: 'unknown', sites: {}, unread: [], syntaxErrors: [] };
}
