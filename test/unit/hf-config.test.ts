// config.json -> ModelSpec for the families beyond plain decoders: hybrids, MoE with MXFP4, per-layer embeddings,
// sliding-window layers, encoders and encoder-decoders, unknown model_types (src/analysis/models/hfConfig.ts).
import assert from 'node:assert/strict';
import { specFromHfConfig } from '../../src/analysis/models/hfConfig';
import { ModelSpec } from '../../src/analysis/models/spec';
import { architectureTable } from '../../src/analysis/models/architectures';

function map(config: unknown, id = 'x/y'): ModelSpec {
  const r = specFromHfConfig(config, id);
  assert.ok(r.spec, r.spec === null ? r.reason : '');
  return r.spec;
}

function tableConfig(id: string): Record<string, unknown> {
  const b = architectureTable().bases.find((x) => x.entry.id === id);
  assert.ok(b, `table base ${id}`);
  return b.entry.config;
}

describe('specFromHfConfig: hybrid attention + state-space / convolution models', () => {
  it('nemotron_h: hybrid_override_pattern M / * / - gives Mamba, attention and MLP-only blocks', () => {
    // nvidia/Nemotron-H-8B-Base-8K (configuration_nemotron_h.py: M = Mamba-2, * = attention, - = MLP, E = MoE)
    const s = map(tableConfig('nvidia/Nemotron-H-8B-Base-8K'), 'nvidia/Nemotron-H-8B-Base-8K');
    assert.equal(s.numLayers, 52);
    assert.deepEqual({ ...s.mixer }, { attentionLayers: 4, mambaLayers: 24, convLayers: 0, parallel: false, mlpLayers: 24 });
    assert.equal(s.mlp, 'standard', 'relu² up/down MLP (NemotronHMLP)');
    // d_inner = expand × hidden = 8192 = mamba_num_heads (default 128) × mamba_head_dim 64
    assert.deepEqual({ ...s.mamba }, { dState: 128, dConv: 4, dInner: 8192, nHeads: 128, nGroups: 8, chunkSize: 128 });
    assert.equal(s.moe, undefined);
  });

  it('nemotron_h with MoE blocks (E): experts on the E blocks only, transformers defaults for a real config', () => {
    const s = map({
      model_type: 'nemotron_h',
      hidden_size: 2688,
      num_attention_heads: 32,
      num_key_value_heads: 2,
      head_dim: 128,
      vocab_size: 131072,
      hybrid_override_pattern: 'MEMEM*EME',
      intermediate_size: 1856,
      mamba_num_heads: 64,
      mamba_head_dim: 64,
      ssm_state_size: 128,
      n_groups: 8,
      n_routed_experts: 128,
      num_experts_per_tok: 6,
      moe_intermediate_size: 1856,
      moe_shared_expert_intermediate_size: 3712,
      n_shared_experts: 1,
    });
    assert.equal(s.numLayers, 9);
    assert.deepEqual({ ...s.mixer }, { attentionLayers: 1, mambaLayers: 4, convLayers: 0, parallel: false, mlpLayers: 4 });
    assert.equal(s.moe?.numExperts, 128);
    assert.equal(s.moe?.expertsPerToken, 6);
    assert.equal(s.moe?.sharedIntermediateSize, 3712);
    assert.equal(s.moe?.denseLayers, 0, 'no "-" blocks: every MLP-carrying block is MoE');
    // a partial copy without the expert count is not guessed
    const partial = specFromHfConfig(
      { model_type: 'nemotron_h', hidden_size: 2688, num_attention_heads: 32, vocab_size: 131072, hybrid_override_pattern: 'MEM*', intermediate_size: 1856 },
      'x/y',
      { partial: true },
    );
    assert.ok(partial.spec === null && /n_routed_experts/.test(partial.reason));
  });

  it('granitemoehybrid: layer_types mamba / attention, shared MLP, experts when num_local_experts > 0', () => {
    const micro = map(tableConfig('ibm-granite/granite-4.0-h-micro'));
    assert.deepEqual({ ...micro.mixer }, { attentionLayers: 4, mambaLayers: 36, convLayers: 0, parallel: false });
    assert.equal(micro.moe, undefined, 'num_local_experts 0: dense');
    assert.deepEqual({ ...micro.mamba }, { dState: 128, dConv: 4, dInner: 4096, nHeads: 64, nGroups: 1, chunkSize: 256 });
    const tiny = map(tableConfig('ibm-granite/granite-4.0-h-tiny'));
    assert.equal(tiny.moe?.numExperts, 64);
    assert.equal(tiny.moe?.expertsPerToken, 6);
    assert.equal(tiny.moe?.expertIntermediateSize, 512);
    // granite-4.0-micro: every layer attention -> a plain decoder
    const dense = map(tableConfig('ibm-granite/granite-4.0-micro'));
    assert.equal(dense.mixer, undefined);
  });

  it('falcon_h1: attention and Mamba-2 side by side in every layer (parallel)', () => {
    const s = map(tableConfig('tiiuae/Falcon-H1-0.5B-Base'));
    assert.deepEqual({ ...s.mixer }, { attentionLayers: 36, mambaLayers: 36, convLayers: 0, parallel: true });
    assert.equal(s.mamba?.dInner, 24 * 64, 'mamba_n_heads × mamba_d_head');
    assert.equal(s.mamba?.chunkSize, 128);
    assert.equal(s.mlp, 'gated');
  });

  it('lfm2: conv / full_attention layer_types, conv_L_cache kernel, the auto-adjusted FFN width', () => {
    const s = map(tableConfig('LiquidAI/LFM2-1.2B'));
    assert.deepEqual({ ...s.mixer }, { attentionLayers: 6, mambaLayers: 0, convLayers: 10, parallel: false });
    assert.deepEqual({ ...s.shortConv }, { kernel: 3 });
    // block_ff_dim 12288, auto-adjusted: 2/3 -> 8192, x1, rounded to 256 (modeling_lfm2.py Lfm2MLP)
    assert.equal(s.intermediateSize, 8192);
    assert.equal(s.tiedEmbeddings, true);
    const moe = map(tableConfig('LiquidAI/LFM2-8B-A1B'));
    assert.equal(moe.moe?.denseLayers, 2, 'num_dense_layers');
    assert.equal(moe.moe?.numExperts, 32);
    // full_attn_idxs instead of layer_types
    const idx = map({
      model_type: 'lfm2',
      hidden_size: 1024,
      num_hidden_layers: 16,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      vocab_size: 65536,
      block_ff_dim: 6656,
      block_auto_adjust_ff_dim: true,
      block_multiple_of: 256,
      full_attn_idxs: [2, 5, 8, 10, 12, 14],
      conv_L_cache: 3,
    });
    assert.equal(idx.mixer?.attentionLayers, 6);
    assert.equal(idx.mixer?.convLayers, 10);
  });

  it('jamba: attention every attn_layer_period-th layer, Mamba-1 elsewhere, experts every other layer', () => {
    const s = map(tableConfig('ai21labs/Jamba-v0.1'));
    assert.deepEqual({ ...s.mixer }, { attentionLayers: 4, mambaLayers: 28, convLayers: 0, parallel: false });
    assert.equal(s.mamba?.nHeads, 0, 'Mamba-1 has no SSM heads');
    assert.equal(s.mamba?.dInner, 8192);
    assert.equal(s.moe?.layerStep, 2);
    assert.equal(s.moe?.numExperts, 16);
  });

  it('pure Mamba and Mamba-2: no attention, no MLP', () => {
    const m1 = map(tableConfig('state-spaces/mamba-2.8b-hf'));
    assert.deepEqual({ ...m1.mixer }, { attentionLayers: 0, mambaLayers: 64, convLayers: 0, parallel: false, mlpLayers: 0 });
    assert.equal(m1.mamba?.dState, 16);
    const m2 = map(tableConfig('mistralai/Mamba-Codestral-7B-v0.1'));
    assert.deepEqual({ ...m2.mamba }, { dState: 128, dConv: 4, dInner: 8192, nHeads: 128, nGroups: 8, chunkSize: 256 });
  });

  it('qwen3_next / qwen3_5: Gated DeltaNet layers as Mamba-2 of the same shapes, approximated and said so', () => {
    const s = map(tableConfig('Qwen/Qwen3-Next-80B-A3B-Instruct'));
    assert.equal(s.mixer?.attentionLayers, 12);
    assert.equal(s.mixer?.mambaLayers, 36);
    // value_dim 32 x 128 = 4096; key_dim 16 x 128 = n_groups x d_state
    assert.deepEqual({ ...s.mamba }, { dState: 128, dConv: 4, dInner: 4096, nHeads: 32, nGroups: 16, chunkSize: 64 });
    assert.match(s.approximated ?? '', /Gated DeltaNet/);
    assert.equal(s.moe?.numExperts, 512);
    const moe = map(tableConfig('Qwen/Qwen3.5-35B-A3B'));
    assert.equal(moe.mixer?.attentionLayers, 10, 'layer_types of the text_config');
    assert.equal(moe.moe?.numExperts, 256);
  });
});

describe('specFromHfConfig: MoE, MXFP4, per-layer embeddings, sliding windows', () => {
  it('gpt_oss: every layer MoE, intermediate_size is the expert width, MXFP4 checkpoint, alternating sliding layers', () => {
    const s = map(tableConfig('openai/gpt-oss-20b'));
    assert.equal(s.preQuantized, 'mxfp4');
    assert.deepEqual({ ...s.moe }, { numExperts: 32, expertsPerToken: 4, sharedExperts: 0, expertIntermediateSize: 2880, denseLayers: 0, layerStep: 1 });
    assert.equal(s.slidingWindow, 128);
    assert.equal(s.slidingLayers, 12);
    assert.equal(s.qkvBias, true);
    assert.equal(s.headDim, 64);
  });

  it('ERNIE 4.5 MoE keys (moe_num_experts, moe_k, moe_num_shared_experts, moe_layer_start_index)', () => {
    const s = map({
      model_type: 'ernie4_5_moe',
      hidden_size: 2560,
      num_hidden_layers: 28,
      num_attention_heads: 20,
      num_key_value_heads: 4,
      head_dim: 128,
      vocab_size: 103424,
      intermediate_size: 12288,
      moe_intermediate_size: 1536,
      moe_num_experts: 64,
      moe_k: 6,
      moe_num_shared_experts: 2,
      moe_layer_start_index: 1,
      moe_layer_interval: 1,
      tie_word_embeddings: true,
    });
    assert.deepEqual({ ...s.moe }, { numExperts: 64, expertsPerToken: 6, sharedExperts: 2, expertIntermediateSize: 1536, denseLayers: 1, layerStep: 1 });
  });

  it('GLM-4.5 MoE and DBRX (nested ffn_config)', () => {
    const glm = map(tableConfig('zai-org/GLM-4.5-Air'));
    assert.equal(glm.moe?.numExperts, 128);
    assert.equal(glm.moe?.denseLayers, 1);
    assert.equal(glm.moe?.sharedExperts, 1);
    const dbrx = map(tableConfig('databricks/dbrx-base'));
    assert.deepEqual({ ...dbrx.moe }, { numExperts: 16, expertsPerToken: 4, sharedExperts: 0, expertIntermediateSize: 10752, denseLayers: 0, layerStep: 1 });
    assert.equal(dbrx.numKvHeads, 8);
  });

  it('gemma3n: per-layer embeddings (vocab_size_per_layer_input x hidden_size_per_layer_input), 4:1 sliding layers', () => {
    const s = map(tableConfig('google/gemma-3n-E4B-it'));
    assert.deepEqual({ ...s.perLayerEmbedding }, { vocab: 262144, dim: 256 });
    assert.equal(s.slidingLayers, 28);
    assert.equal(s.slidingWindow, 512);
    assert.match(s.approximated ?? '', /AltUp/);
  });

  it('gemma4: the MoE block beside the dense MLP, global head_dim approximated', () => {
    const s = map(tableConfig('google/gemma-4-26B-A4B-it'));
    assert.equal(s.moe?.numExperts, 128);
    assert.equal(s.moe?.expertsPerToken, 8);
    assert.equal(s.moe?.sharedExperts, 1);
    assert.equal(s.moe?.sharedIntermediateSize, 2112, 'the dense MLP runs beside the experts');
    assert.match(s.approximated ?? '', /head_dim 512/);
    const dense = map(tableConfig('google/gemma-4-31B-it'));
    assert.equal(dense.moe, undefined, 'enable_moe_block false');
  });

  it('sliding windows from layer_types, sliding_window_pattern (number or EXAONE string) and Gemma 2', () => {
    const base = {
      model_type: 'gemma3_text',
      hidden_size: 1152,
      num_hidden_layers: 26,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      head_dim: 256,
      intermediate_size: 6912,
      vocab_size: 262144,
      sliding_window: 512,
    };
    assert.equal(map({ ...base, sliding_window_pattern: 6 }).slidingLayers, 26 - 4);
    assert.equal(map({ ...base, model_type: 'exaone4', sliding_window_pattern: 'LLLG', num_hidden_layers: 8 }).slidingLayers, 6);
    assert.equal(map({ ...base, model_type: 'gemma2', num_hidden_layers: 42 }).slidingLayers, 21);
    assert.equal(
      map({ ...base, model_type: 'llama', layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'], num_hidden_layers: 3 }).slidingLayers,
      2,
    );
    assert.equal(map({ ...base, model_type: 'mistral', sliding_window: 4096 }).slidingLayers, 26, 'Mistral v0.1: every layer');
    const q = map({ ...base, model_type: 'qwen2', sliding_window: 32768, use_sliding_window: false });
    assert.equal(q.slidingWindow, null);
    assert.equal(q.slidingLayers, undefined);
  });
});

describe('specFromHfConfig: encoders and encoder-decoders', () => {
  it('BERT / RoBERTa / DeBERTa-v2 / ModernBERT are encoders', () => {
    const bert = map(tableConfig('google-bert/bert-base-uncased'));
    assert.equal(bert.architecture, 'encoder');
    assert.equal(bert.mlp, 'standard');
    assert.equal(bert.qkvBias, true);
    assert.equal(bert.normBias, true);
    assert.equal(bert.tiedEmbeddings, true);
    assert.equal(map(tableConfig('FacebookAI/roberta-base')).architecture, 'encoder');
    const deberta = map(tableConfig('microsoft/deberta-v3-base'));
    assert.equal(deberta.architecture, 'encoder');
    assert.match(deberta.approximated ?? '', /disentangled/);
    const modern = map(tableConfig('answerdotai/ModernBERT-base'));
    assert.equal(modern.architecture, 'encoder');
    assert.equal(modern.mlp, 'gated', 'GeGLU Wi h -> 2 x intermediate');
    assert.equal(modern.normBias, false);
    assert.equal(modern.slidingWindow, 128);
    assert.equal(modern.slidingLayers, 22 - 8, 'global every 3rd layer from the first');
  });

  it('T5 (v1.0 relu, v1.1 gated-gelu, untied) and BART are encoder-decoders with decoderLayers', () => {
    const t5 = map(
      { model_type: 't5', is_encoder_decoder: true, d_model: 768, d_ff: 3072, d_kv: 64, num_heads: 12, num_layers: 12, vocab_size: 32128 },
      'google-t5/t5-base',
    );
    assert.equal(t5.architecture, 'encoder-decoder');
    assert.equal(t5.numLayers, 24);
    assert.equal(t5.decoderLayers, 12);
    assert.equal(t5.mlp, 'standard');
    assert.equal(t5.tiedEmbeddings, true);
    const v11 = map(
      {
        model_type: 't5',
        is_encoder_decoder: true,
        d_model: 1024,
        d_ff: 2816,
        d_kv: 64,
        num_heads: 16,
        num_layers: 24,
        num_decoder_layers: 24,
        vocab_size: 32128,
        feed_forward_proj: 'gated-gelu',
        tie_word_embeddings: false,
      },
      'google/flan-t5-large',
    );
    assert.equal(v11.mlp, 'gated');
    assert.equal(v11.tiedEmbeddings, false);
    // the table's copies of the v1.1 line lack the two keys: the model line supplies them, said in approximated
    const flan = architectureTable().bases.find((b) => b.entry.id === 'google/t5-v1_1-large')!.spec;
    assert.equal(flan.mlp, 'gated');
    assert.equal(flan.tiedEmbeddings, false);
    assert.match(flan.approximated ?? '', /T5 v1\.1/);
    const bart = map(tableConfig('facebook/bart-large'));
    assert.equal(bart.architecture, 'encoder-decoder');
    assert.equal(bart.numLayers, 24);
    assert.equal(bart.decoderLayers, 12);
    assert.equal(bart.qkvBias, true);
  });
});

describe('specFromHfConfig: unknown model_types and partial copies', () => {
  it('an unknown model_type with the usual keys maps as a decoder and says what was assumed', () => {
    const s = map(
      {
        model_type: 'brand_new_lm',
        hidden_size: 2048,
        num_hidden_layers: 24,
        num_attention_heads: 16,
        num_key_value_heads: 4,
        intermediate_size: 5632,
        vocab_size: 50000,
      },
      'lab/new-2b',
    );
    assert.equal(s.architecture, 'decoder');
    assert.equal(s.mlp, 'gated');
    assert.match(s.approximated ?? '', /model_type brand_new_lm is not one VRAM Lens knows: read as a Llama-style decoder/);
  });

  it('partial copies name the transformers defaults they lean on; real configs do not', () => {
    const cfg = {
      model_type: 'qwen3_5',
      hidden_size: 1024,
      num_hidden_layers: 24,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      head_dim: 256,
      vocab_size: 248320,
      intermediate_size: 3584,
    };
    const partial = specFromHfConfig(cfg, 'Qwen/Qwen3.5-0.8B', { partial: true });
    assert.ok(partial.spec);
    assert.match(partial.spec.approximated ?? '', /linear_num_value_heads.*not in the table's copy/);
    const real = specFromHfConfig(cfg, 'Qwen/Qwen3.5-0.8B');
    assert.ok(real.spec);
    assert.doesNotMatch(real.spec.approximated ?? '', /table's copy/);
  });

  it('maps every usable base of the table and excludes only incomplete copies, with the reason', () => {
    const t = architectureTable();
    assert.ok(t.bases.length >= 250, `${t.bases.length} bases`);
    for (const e of t.excluded) assert.match(e.reason, /lacks|no n_routed_experts|neither/, `${e.id}: ${e.reason}`);
    assert.ok(t.excluded.length <= 20, t.excluded.map((e) => e.id).join(', '));
  });
});

describe('specFromHfConfig leaves the caller’s config as it was', () => {
  it('mapping the same config twice gives the same spec, approximation note included (family defaults go into a copy)', () => {
    const config = {
      model_type: 'gemma2',
      hidden_size: 2304,
      num_hidden_layers: 26,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      intermediate_size: 9216,
      vocab_size: 256000,
    };
    const before = JSON.stringify(config);
    const first = specFromHfConfig(config, 'someone/gemma2-2b-copy');
    assert.equal(JSON.stringify(config), before);
    const second = specFromHfConfig(config, 'someone/gemma2-2b-copy');
    assert.deepEqual(second.spec, first.spec);
  });
});
