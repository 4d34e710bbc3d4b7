// Parameter counts derived from the architecture, per linear module, so that LoRA targets,
// quantization (which modules bnb replaces) and sharding can all be computed from one table.
import { headDimOf, ModelSpec } from './spec';

export type ModuleKind = 'attention' | 'mlp' | 'expert' | 'router';

export interface LinearModule {
  /** PEFT-style module name (q_proj, k_proj, ..., down_proj); experts use the same names */
  name: string;
  kind: ModuleKind;
  inFeatures: number;
  outFeatures: number;
  /** how many instances exist in the whole model */
  count: number;
  /** instances a token passes through (MoE routes to a few experts) */
  activeCount: number;
  bias: boolean;
}

export interface ParamBreakdown {
  /** every nn.Linear inside the decoder layers (what bnb quantizes and LoRA targets) */
  linear: number;
  /** input embedding table */
  embedding: number;
  /** output projection; 0 when tied to the embedding */
  lmHead: number;
  /** norms and biases (tiny, kept in 16/32-bit) */
  other: number;
  total: number;
  /** parameters a token uses (differs from total only for MoE) */
  active: number;
}

/** The decoder's linear layers, following the module layout of transformers' modeling_<family>.py. */
export function linearModules(m: ModelSpec): LinearModule[] {
  const h = m.hiddenSize;
  const L = m.numLayers;
  const hd = headDimOf(m);
  const mods: LinearModule[] = [];
  const add = (name: string, kind: ModuleKind, i: number, o: number, count: number, activeCount = count, bias = false) => {
    if (count > 0) mods.push({ name, kind, inFeatures: i, outFeatures: o, count, activeCount, bias });
  };

  if (m.mla) {
    // DeepSeek-V2 modeling_deepseek.py: q_a/q_b (or q_proj), kv_a_proj_with_mqa, kv_b_proj, o_proj
    const a = m.mla;
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    if (a.qLoraRank) {
      add('q_a_proj', 'attention', h, a.qLoraRank, L);
      add('q_b_proj', 'attention', a.qLoraRank, m.numHeads * qHead, L);
    } else {
      add('q_proj', 'attention', h, m.numHeads * qHead, L);
    }
    add('kv_a_proj_with_mqa', 'attention', h, a.kvLoraRank + a.qkRopeHeadDim, L);
    add('kv_b_proj', 'attention', a.kvLoraRank, m.numHeads * (a.qkNopeHeadDim + a.vHeadDim), L);
    add('o_proj', 'attention', m.numHeads * a.vHeadDim, h, L);
  } else {
    add('q_proj', 'attention', h, m.numHeads * hd, L, L, m.qkvBias);
    add('k_proj', 'attention', h, m.numKvHeads * hd, L, L, m.qkvBias);
    add('v_proj', 'attention', h, m.numKvHeads * hd, L, L, m.qkvBias);
    add('o_proj', 'attention', m.numHeads * hd, h, L, L, m.normBias);
  }

  const mlp = (kind: ModuleKind, width: number, count: number, active: number) => {
    if (m.mlp === 'gated') {
      add('gate_proj', kind, h, width, count, active);
      add('up_proj', kind, h, width, count, active);
      add('down_proj', kind, width, h, count, active);
    } else {
      add('up_proj', kind, h, width, count, active, m.normBias);
      add('down_proj', kind, width, h, count, active, m.normBias);
    }
  };

  if (m.moe) {
    const e = m.moe;
    const moeLayers = Math.floor((L - e.denseLayers) / e.layerStep);
    const denseLayers = L - moeLayers;
    mlp('mlp', m.intermediateSize, denseLayers, denseLayers);
    mlp('expert', e.expertIntermediateSize, moeLayers * e.numExperts, moeLayers * e.expertsPerToken);
    if (e.sharedExperts > 0) {
      const sharedWidth = e.sharedIntermediateSize ?? e.expertIntermediateSize * e.sharedExperts;
      mlp('mlp', sharedWidth, moeLayers, moeLayers);
    }
    add('router', 'router', h, e.numExperts, moeLayers);
  } else {
    mlp('mlp', m.intermediateSize, L, L);
  }
  return mods;
}

export function paramBreakdown(m: ModelSpec): ParamBreakdown {
  const mods = linearModules(m);
  const weights = (active: boolean) =>
    mods.reduce((s, x) => s + x.inFeatures * x.outFeatures * (active ? x.activeCount : x.count), 0);
  const biases = mods.reduce((s, x) => s + (x.bias ? x.outFeatures * x.count : 0), 0);
  const embedding = m.vocabSize * m.hiddenSize;
  const lmHead = m.tiedEmbeddings ? 0 : m.vocabSize * m.hiddenSize;
  // Two norms per layer plus the final norm (RMSNorm: weight only; LayerNorm: weight and bias).
  const normVectors = (2 * m.numLayers + 1) * (m.normBias ? 2 : 1);
  let other = normVectors * m.hiddenSize + biases;
  if (m.mla) {
    other += m.numLayers * (m.mla.kvLoraRank + (m.mla.qLoraRank ?? 0)); // q_a/kv_a layernorms
  }
  const linear = weights(false);
  const total = linear + embedding + lmHead + other;
  const active = weights(true) + embedding + lmHead + other;
  return { linear, embedding, lmHead, other, total, active };
}
