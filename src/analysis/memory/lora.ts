// Which linear modules a LoRA config targets, and how many adapter parameters that makes.
import { LinearModule, linearModules } from '../models/params';
import { ModelSpec } from '../models/spec';
import { LoraSetup } from './setup';

/**
 * Module names used by other code bases, mapped to the HF Llama-style names of params.ts.
 * Sources: transformers modeling_gpt2.py (c_attn, c_fc, c_proj), modeling_falcon.py (query_key_value,
 * dense, dense_h_to_4h, dense_4h_to_h), modeling_phi3.py (qkv_proj, gate_up_proj), modeling_mixtral.py
 * (w1, w2, w3), torchtune lora builders (output_proj), litgpt lora.py (query, key, value, proj).
 */
const ALIASES: Record<string, string[]> = {
  q: ['q_proj'],
  k: ['k_proj'],
  v: ['v_proj'],
  o: ['o_proj'],
  query: ['q_proj'],
  key: ['k_proj'],
  value: ['v_proj'],
  output_proj: ['o_proj'],
  // BART/LFM2 attention output; the Mamba and short-convolution mixers' output projection has this name too
  out_proj: ['o_proj', 'out_proj'],
  proj: ['o_proj'],
  dense: ['o_proj'],
  c_attn: ['q_proj', 'k_proj', 'v_proj'],
  c_proj: ['o_proj', 'down_proj'],
  query_key_value: ['q_proj', 'k_proj', 'v_proj'],
  qkv_proj: ['q_proj', 'k_proj', 'v_proj'],
  wqkv: ['q_proj', 'k_proj', 'v_proj'],
  gate_up_proj: ['gate_proj', 'up_proj'],
  w1: ['gate_proj'],
  w3: ['up_proj'],
  w2: ['down_proj'],
  fc1: ['up_proj'],
  fc2: ['down_proj'],
  c_fc: ['up_proj'],
  dense_h_to_4h: ['up_proj'],
  dense_4h_to_h: ['down_proj'],
  mlp: ['gate_proj', 'up_proj', 'down_proj'],
};

/**
 * Fused projections (GPT-2 c_attn, Falcon/BLOOM/GPT-NeoX query_key_value, Phi-3 qkv_proj, InternLM wqkv,
 * Phi-3 gate_up_proj) are one nn.Linear in the checkpoint: PEFT puts a single A/B pair on it, with the
 * shared input and the summed outputs (peft/tuners/lora/layer.py wraps the module it finds).
 */
const FUSED = new Set(['c_attn', 'query_key_value', 'qkv_proj', 'wqkv', 'gate_up_proj']);

/** Canonical module names for a user-written target list (unknown names are returned in `unknown`). */
export function normalizeTargets(targets: string[]): { names: Set<string>; unknown: string[]; fused: string[][] } {
  const names = new Set<string>();
  const unknown: string[] = [];
  const fused: string[][] = [];
  for (const raw of targets) {
    const t = raw.trim().split('.').pop() ?? raw;
    const key = t.toLowerCase();
    if (ALIASES[key]) {
      ALIASES[key].forEach((n) => names.add(n));
      if (FUSED.has(key)) fused.push(ALIASES[key]);
    } else if (/^(q|k|v|o|gate|up|down)_proj$|^(in|x|dt)_proj$/.test(key)) names.add(key);
    else if (/^(q_a_proj|q_b_proj|kv_a_proj_with_mqa|kv_b_proj)$/.test(key)) names.add(key);
    else if (key === 'lm_head' || key === 'embed_tokens') names.add(key);
    else unknown.push(raw);
  }
  return { names, unknown, fused };
}

export interface LoraTargetSummary {
  modules: LinearModule[];
  /** adapter parameters (A and B, plus DoRA magnitudes) */
  params: number;
  /** instances of targeted modules in the model (for per-module activation terms) */
  instances: number;
  /** per-token sum of in_features over targeted instances a token passes through */
  inFeaturesPerToken: number;
  outFeaturesPerToken: number;
  lmHead: boolean;
  unknownTargets: string[];
}

export function loraTargets(model: ModelSpec, lora: LoraSetup): LoraTargetSummary {
  const all = linearModules(model).filter((m) => m.kind !== 'router');
  let names: Set<string>;
  let unknown: string[] = [];
  let fused: string[][] = [];
  if (lora.targets === 'all-linear') {
    // PEFT 'all-linear': every nn.Linear except the output layer (peft/tuners/tuners_utils.py).
    names = new Set(all.map((m) => m.name));
  } else {
    ({ names, unknown, fused } = normalizeTargets(lora.targets));
  }
  const modules = all.filter((m) => names.has(m.name));
  let params = 0;
  let instances = 0;
  let inPerToken = 0;
  let outPerToken = 0;
  const inFused = new Set<string>();
  for (const group of fused) {
    // one adapter on the fused layer: A is r × in (shared input), B is (Σ outs) × r
    const parts = modules.filter((m) => group.includes(m.name) && m.kind !== 'expert');
    if (!parts.length) continue;
    const first = parts[0];
    const out = parts.reduce((t, x) => t + x.outFeatures, 0);
    params += first.count * (lora.r * (first.inFeatures + out) + (lora.dora ? out : 0));
    instances += first.count;
    inPerToken += first.inFeatures * first.activeCount;
    outPerToken += out * first.activeCount;
    parts.forEach((x) => inFused.add(x.name));
  }
  for (const m of modules) {
    if (inFused.has(m.name) && m.kind !== 'expert') continue;
    // LoRA: A is r x in, B is out x r (Hu et al. 2021, eq. 3); DoRA adds a magnitude vector of size out
    // (Liu et al. 2024, DoRA eq. 5; peft/tuners/lora/dora.py).
    params += m.count * (lora.r * (m.inFeatures + m.outFeatures) + (lora.dora ? m.outFeatures : 0));
    instances += m.count;
    inPerToken += m.inFeatures * m.activeCount;
    outPerToken += m.outFeatures * m.activeCount;
  }
  const lmHead = names.has('lm_head');
  if (lmHead) {
    params += lora.r * (model.hiddenSize + model.vocabSize);
    instances += 1;
    inPerToken += model.hiddenSize;
  }
  return { modules, params, instances, inFeaturesPerToken: inPerToken, outFeaturesPerToken: outPerToken, lmHead, unknownTargets: unknown };
}
