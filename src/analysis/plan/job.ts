// Preference and RL jobs: which trainer, where the reference log-probs come from, how completions are
// generated. Defaults are TRL's (trl/trainer/{dpo,kto,grpo,rloo}_config.py, experimental/{orpo,cpo,ppo})
// as of trl main 2026-07 (f2cd577), and Unsloth's (unsloth/models/loader.py).
import { Found } from '../extract/source';
import { Hyperparams } from '../extract/hyperparams';
import { defaultJob, Dtype, JobKind, JobSetup } from '../memory/setup';
import type { PlanField } from './plan';

export interface JobPlan {
  jobKind: PlanField<JobKind>;
  reference: PlanField<JobSetup['reference']>;
  /** only when the reference is a second copy */
  referenceDtype?: PlanField<Dtype>;
  /** GRPO / RLOO / PPO only */
  numGenerations?: PlanField<number>;
  promptLength?: PlanField<number>;
  completionLength?: PlanField<number>;
  generationBatch?: PlanField<number>;
  generation?: PlanField<JobSetup['generation']>;
  vllmMemoryUtilization?: PlanField<number>;
  vllmSleep?: PlanField<boolean>;
}

const read = <T>(f: Found<unknown>, value: T): PlanField<T> => ({ value, origin: f.implied ? 'defaulted' : 'read', reason: f.how, span: f.span, valueSpan: f.valueSpan });
const dflt = <T>(value: T, reason: string): PlanField<T> => ({ value, origin: 'defaulted', reason });
const assume = <T>(value: T, reason: string): PlanField<T> => ({ value, origin: 'assumed', reason });

/** The job kind the trainer or config class names; null for supervised fine-tuning. */
export function jobKindOf(hp: Hyperparams): JobKind | null {
  const names = `${hp.trainerClass ?? ''} ${hp.argsClass ?? ''}`;
  if (/\bDPO/.test(names)) return 'dpo';
  if (/\bORPO/.test(names)) return 'orpo';
  if (/\bCPO/.test(names)) return 'simpo'; // CPO/SimPO: pairwise, no reference model
  if (/\bKTO/.test(names)) return 'kto';
  if (/\bGRPO/.test(names)) return 'grpo';
  if (/\bRLOO/.test(names)) return 'rloo';
  if (/\bPPO/.test(names)) return 'ppo';
  return null;
}

export interface JobContext {
  hp: Hyperparams;
  /** LoRA/QLoRA/DoRA: the reference is the same model with the adapter disabled */
  peft: boolean;
  unsloth: boolean;
  policyDtype: Dtype;
  microBatch: number;
  gradAccumulation: number;
}

function dtypeOf(s: string | undefined): Dtype | undefined {
  return s === 'bfloat16' ? 'bf16' : s === 'float16' ? 'fp16' : s === 'float32' ? 'fp32' : undefined;
}

export function planJob(c: JobContext): JobPlan | null {
  const { hp } = c;
  const kindName = jobKindOf(hp);
  if (!kindName) return null;
  const kind = kindName;
  const source = hp.trainerClass ?? hp.argsClass ?? kind;
  const jobKind = dflt(kind, `${source}: ${kind.toUpperCase()} training`);
  const rl = kind === 'grpo' || kind === 'rloo' || kind === 'ppo';

  // ---- reference -------------------------------------------------------------------------------
  let reference: PlanField<JobSetup['reference']>;
  const beta = hp.rlBeta?.value;
  // GRPO beta=0.0 since trl 0.19 (PR #3516): no reference model; RLOO beta=0.05; DPO/KTO always use one.
  const betaDefault = kind === 'grpo' ? 0 : kind === 'rloo' ? 0.05 : 0.1;
  const effectiveBeta = beta ?? betaDefault;
  if (kind === 'orpo' || kind === 'simpo') reference = dflt('none', `${kind.toUpperCase()} uses no reference model`);
  else if (kind === 'grpo' && effectiveBeta === 0) reference = hp.rlBeta ? read(hp.rlBeta, 'none') : dflt('none', 'GRPOConfig default beta=0.0 (trl >= 0.19): no reference model is loaded');
  // an explicit ref_model stays on the GPU even with precompute_ref_log_probs (trl dpo_trainer.py sets
  // self.ref_model = ref_model before the precompute branch)
  else if (hp.refModel) reference = read(hp.refModel, 'copy');
  else if (hp.precomputeRef?.value) reference = read(hp.precomputeRef, 'precomputed');
  else if (c.peft) reference = dflt('adapter-disabled', 'with a PEFT adapter the reference is the same model with the adapter disabled (no second copy)');
  else reference = dflt('copy', `${source} loads a frozen second copy of the model as reference`);
  const readDtype = dtypeOf(hp.modelInitDtype?.value);
  const referenceDtype: PlanField<Dtype> = hp.refModel
    ? dflt(c.policyDtype, 'the reference passed as ref_model: assumed loaded like the policy')
    : hp.kind !== 'python' && hp.kind !== 'notebook'
      ? dflt(c.policyDtype, `${hp.framework} loads the reference model like the policy (compute dtype)`)
      : kind === 'ppo'
        ? dflt(c.policyDtype, 'PPO copies the policy as reference (trl experimental/ppo create_reference_model)')
    : readDtype && hp.modelInitDtype
      ? read(hp.modelInitDtype, readDtype)
      : dflt('fp32', 'TRL loads the reference from args.model_init_kwargs, float32 by default (trl >= 0.27, PR #4778)');

  // ---- generation (GRPO / RLOO / PPO) ---------------------------------------------------------------
  const numGenerations = hp.numGenerations
    ? read(hp.numGenerations, hp.numGenerations.value)
    : dflt(kind === 'rloo' ? 2 : 8, `${kind.toUpperCase()}Config default num_generations=${kind === 'rloo' ? 2 : 8}`);
  const promptLength = hp.maxPromptLength
    ? read(hp.maxPromptLength, hp.maxPromptLength.value)
    : assume(512, 'prompt length not set (max_prompt_length was removed in trl 0.28; prompts are not truncated): 512 assumed');
  const completionLength = hp.maxCompletionLength
    ? read(hp.maxCompletionLength, hp.maxCompletionLength.value)
    : dflt(kind === 'ppo' ? 53 : 256, kind === 'ppo' ? 'PPOConfig default response_length=53' : 'GRPOConfig/RLOOConfig default max_completion_length=256 (trl <= 1.9; 512 on main)');
  const steps = hp.stepsPerGeneration?.value ?? c.gradAccumulation;
  const generationBatch = dflt(
    kind === 'ppo' ? Math.min(64, c.microBatch * c.gradAccumulation) : c.microBatch * steps,
    kind === 'ppo'
      ? 'PPO rollouts in local batches of up to local_rollout_forward_batch_size=64'
      : `completions generated per GPU per round: per_device_train_batch_size × steps_per_generation (${hp.stepsPerGeneration ? 'read' : 'defaults to gradient_accumulation_steps'})`,
  );
  let generation: PlanField<JobSetup['generation']>;
  let vllmMemoryUtilization: PlanField<number>;
  if (!rl) {
    generation = dflt('none', 'no generation in this trainer');
    vllmMemoryUtilization = dflt(0, 'no vLLM');
  } else if (c.unsloth && hp.fastInference?.value) {
    generation = read(hp.fastInference, 'vllm-shared');
    vllmMemoryUtilization = hp.vllmMemoryUtilization
      ? read(hp.vllmMemoryUtilization, hp.vllmMemoryUtilization.value)
      : dflt(0.5, 'Unsloth from_pretrained default gpu_memory_utilization=0.5');
  } else if (hp.useVllm?.value) {
    const server = hp.vllmMode?.value === 'server';
    generation = hp.vllmMode ? read(hp.vllmMode, server ? 'vllm-server' : 'vllm-colocate') : { ...read(hp.useVllm, 'vllm-colocate'), reason: 'use_vllm=True; vllm_mode defaults to "colocate" (trl >= 1.0)' };
    vllmMemoryUtilization = hp.vllmMemoryUtilization
      ? read(hp.vllmMemoryUtilization, hp.vllmMemoryUtilization.value)
      : dflt(0.3, 'vllm_gpu_memory_utilization default 0.3 (trl >= 0.18)');
  } else {
    generation = hp.useVllm ? read(hp.useVllm, 'hf') : dflt('hf', 'use_vllm defaults to False: model.generate with a KV cache');
    vllmMemoryUtilization = dflt(0, 'no vLLM');
  }
  const vllmSleep = hp.vllmSleep ? read(hp.vllmSleep, hp.vllmSleep.value) : dflt(false, 'vllm_enable_sleep_mode defaults to False');
  const base: JobPlan = { jobKind, reference, ...(reference.value === 'copy' ? { referenceDtype } : {}) };
  if (!rl) return base;
  return {
    ...base,
    numGenerations,
    promptLength,
    completionLength,
    generationBatch,
    generation,
    ...(generation.value === 'vllm-colocate' || generation.value === 'vllm-shared' ? { vllmMemoryUtilization, vllmSleep } : {}),
  };
}

export function jobSetupOf(p: JobPlan | null): JobSetup | null {
  if (!p) return null;
  const kind = p.jobKind.value;
  return defaultJob(kind, {
    reference: p.reference.value,
    ...(p.referenceDtype ? { referenceDtype: p.referenceDtype.value } : {}),
    ...(p.numGenerations ? { numGenerations: p.numGenerations.value } : {}),
    ...(p.promptLength ? { promptLength: p.promptLength.value } : {}),
    ...(p.completionLength ? { completionLength: p.completionLength.value } : {}),
    ...(p.generationBatch ? { generationBatch: p.generationBatch.value } : {}),
    generation: p.generation?.value ?? 'none',
    vllmMemoryUtilization: p.vllmMemoryUtilization?.value ?? 0,
    vllmSleep: p.vllmSleep?.value ?? false,
  });
}
