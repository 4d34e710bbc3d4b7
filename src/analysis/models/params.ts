// Parameter counts derived from the architecture, per linear module, so that LoRA targets,
// quantization (which modules bnb replaces) and sharding can all be computed from one table.
import { headDimOf, layerCounts, mambaDtRank, ModelSpec } from './spec';

/** attention and MLP layers; `mamba` and `conv` the state-space and short-convolution mixers' projections;
 * `extra` Gemma 3n's per-layer-input, AltUp and LAuReL projections */
export type ModuleKind = 'attention' | 'mlp' | 'expert' | 'router' | 'mamba' | 'conv' | 'extra';

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
  /** input embedding table (Gemma 3n's per-layer embedding table included) */
  embedding: number;
  /** output projection; 0 when tied to the embedding */
  lmHead: number;
  /** norms, biases, convolution kernels, SSM A/D/dt vectors and learned positions (small, never quantized) */
  other: number;
  total: number;
  /** parameters a token uses (differs from total only for MoE) */
  active: number;
}

/**
 * The layers' nn.Linear modules, following the module layout of transformers' modeling_<family>.py. Hybrid
 * models count each layer kind from the mixer (models/spec.ts layerCounts): attention layers, Mamba layers,
 * LFM2 short-convolution layers and the layers that carry an MLP; encoder-decoders add the decoder's
 * cross-attention (same q/k/v/o shapes: modeling_t5.py T5LayerCrossAttention, modeling_bart.py encoder_attn).
 */
export function linearModules(m: ModelSpec): LinearModule[] {
  const h = m.hiddenSize;
  const n = layerCounts(m);
  const A = n.attention + n.crossAttention;
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
      add('q_a_proj', 'attention', h, a.qLoraRank, A);
      add('q_b_proj', 'attention', a.qLoraRank, m.numHeads * qHead, A);
    } else {
      add('q_proj', 'attention', h, m.numHeads * qHead, A);
    }
    add('kv_a_proj_with_mqa', 'attention', h, a.kvLoraRank + a.qkRopeHeadDim, A);
    add('kv_b_proj', 'attention', a.kvLoraRank, m.numHeads * (a.qkNopeHeadDim + a.vHeadDim), A);
    add('o_proj', 'attention', m.numHeads * a.vHeadDim, h, A);
  } else {
    add('q_proj', 'attention', h, m.numHeads * hd, A, A, m.qkvBias);
    add('k_proj', 'attention', h, m.numKvHeads * hd, A, A, m.qkvBias);
    add('v_proj', 'attention', h, m.numKvHeads * hd, A, A, m.qkvBias);
    add('o_proj', 'attention', m.numHeads * hd, h, A, A, m.normBias);
  }

  if (m.mamba && n.mamba > 0) {
    const s = m.mamba;
    if (s.nHeads > 0) {
      // Mamba-2 (modeling_mamba2.py Mamba2Mixer): in_proj h -> [z, x, B, C, dt] = 2·d_inner + 2·groups·d_state
      // + heads; out_proj d_inner -> h
      add('in_proj', 'mamba', h, 2 * s.dInner + 2 * s.nGroups * s.dState + s.nHeads, n.mamba);
      add('out_proj', 'mamba', s.dInner, h, n.mamba);
    } else {
      // Mamba-1 (modeling_mamba.py MambaMixer): in_proj h -> 2·d_inner, x_proj d_inner -> dt_rank + 2·d_state,
      // dt_proj dt_rank -> d_inner (with bias), out_proj d_inner -> h
      const r = mambaDtRank(m);
      add('in_proj', 'mamba', h, 2 * s.dInner, n.mamba);
      add('x_proj', 'mamba', s.dInner, r + 2 * s.dState, n.mamba);
      add('dt_proj', 'mamba', r, s.dInner, n.mamba, n.mamba, true);
      add('out_proj', 'mamba', s.dInner, h, n.mamba);
    }
  }
  if (n.conv > 0) {
    // LFM2 (modeling_lfm2.py Lfm2ShortConv): in_proj h -> 3h (B, C, x), depthwise conv, out_proj h -> h
    add('in_proj', 'conv', h, 3 * h, n.conv);
    add('out_proj', 'conv', h, h, n.conv);
  }
  if (m.perLayerEmbedding) {
    // Gemma 3n (modeling_gemma3n.py): per_layer_model_projection h -> layers·dim once; per layer
    // per_layer_input_gate h -> dim and per_layer_projection dim -> h
    const p = m.perLayerEmbedding;
    add('per_layer_model_projection', 'extra', h, m.numLayers * p.dim, 1);
    add('per_layer_input_gate', 'extra', h, p.dim, m.numLayers);
    add('per_layer_projection', 'extra', p.dim, h, m.numLayers);
  }
  if (m.family.startsWith('gemma3n')) {
    // Gemma3nTextLaurelBlock (laurel_rank 64) and Gemma3nTextAltUp (altup_num_inputs 4) per layer, and the
    // model's altup_projections / altup_unembed_projections (n - 1 each, h -> h); configuration_gemma3n.py defaults
    const streams = 4;
    const rank = 64;
    add('linear_left', 'extra', h, rank, m.numLayers);
    add('linear_right', 'extra', rank, h, m.numLayers);
    add('modality_router', 'extra', h, streams, m.numLayers);
    add('prediction_coefs', 'extra', streams, streams * streams, m.numLayers);
    add('correction_coefs', 'extra', streams, streams, m.numLayers);
    add('altup_projections', 'extra', h, h, 2 * (streams - 1));
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
    const moeLayers = Math.floor((n.mlp - e.denseLayers) / e.layerStep);
    const denseLayers = n.mlp - moeLayers;
    mlp('mlp', m.intermediateSize, denseLayers, denseLayers);
    mlp('expert', e.expertIntermediateSize, moeLayers * e.numExperts, moeLayers * e.expertsPerToken);
    if (e.sharedExperts > 0) {
      const sharedWidth = e.sharedIntermediateSize ?? e.expertIntermediateSize * e.sharedExperts;
      mlp('mlp', sharedWidth, moeLayers, moeLayers);
    }
    add('router', 'router', h, e.numExperts, moeLayers);
  } else {
    mlp('mlp', m.intermediateSize, n.mlp, n.mlp);
  }
  return mods;
}

export function paramBreakdown(m: ModelSpec): ParamBreakdown {
  const mods = linearModules(m);
  const n = layerCounts(m);
  const weights = (active: boolean) => mods.reduce((s, x) => s + x.inFeatures * x.outFeatures * (active ? x.activeCount : x.count), 0);
  const biases = mods.reduce((s, x) => s + (x.bias ? x.outFeatures * x.count : 0), 0);
  let embedding = m.vocabSize * m.hiddenSize;
  if (m.perLayerEmbedding) embedding += m.perLayerEmbedding.vocab * m.numLayers * m.perLayerEmbedding.dim;
  const lmHead = m.tiedEmbeddings ? 0 : m.vocabSize * m.hiddenSize;
  // One norm before each sub-layer plus the final norm (two for encoder-decoders); RMSNorm has a weight,
  // LayerNorm a weight and a bias.
  const normVectors = (n.norms + (m.architecture === 'encoder-decoder' ? 2 : 1)) * (m.normBias ? 2 : 1);
  let other = normVectors * m.hiddenSize + biases;
  if (m.mla) {
    other += n.attention * (m.mla.kvLoraRank + (m.mla.qLoraRank ?? 0)); // q_a/kv_a layernorms
  }
  if (m.mamba && n.mamba > 0) {
    const s = m.mamba;
    if (s.nHeads > 0) {
      // Mamba-2: depthwise conv1d over x, B, C (weight and bias), dt_bias, A_log, D per head, the gated RMSNorm
      const convDim = s.dInner + 2 * s.nGroups * s.dState;
      other += n.mamba * (convDim * (s.dConv + 1) + 3 * s.nHeads + s.dInner);
    } else {
      // Mamba-1: depthwise conv1d (weight and bias), A_log d_inner × d_state, D
      other += n.mamba * (s.dInner * (s.dConv + 1) + s.dInner * s.dState + s.dInner);
    }
  }
  if (n.conv > 0) other += n.conv * m.hiddenSize * (m.shortConv?.kernel ?? 3); // LFM2 depthwise conv, no bias
  if (m.architecture === 'encoder-decoder' && m.normBias && m.maxPositionEmbeddings) {
    // BART-style learned positions (offset 2) and layernorm_embedding, in the encoder and in the decoder
    other += 2 * ((m.maxPositionEmbeddings + 2) * m.hiddenSize + 2 * m.hiddenSize);
  }
  const linear = weights(false);
  const total = linear + embedding + lmHead + other;
  const active = weights(true) + embedding + lmHead + other;
  return { linear, embedding, lmHead, other, total, active };
}
