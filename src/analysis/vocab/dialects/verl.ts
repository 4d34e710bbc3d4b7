// verl configs (verl/trainer/config/sft_trainer.yaml for fsdp_sft_trainer, volcengine/verl 0.3-0.5): the SFT
// trainer shards with FSDP, loads the model in fp32 and computes in bf16 (MixedPrecision param_dtype bf16).
import { key, KeyTable } from '../dialect';
import { asBool, asModelRef, asNumber, asPositiveInt, asPositiveSwitch, asTargets } from '../values';

export const VERL_SFT_KEYS: KeyTable = [
  key('model', ['model.partial_pretrain', 'model.path'], asModelRef),
  key('microBatch', ['data.micro_batch_size_per_gpu', 'data.micro_batch_size'], asPositiveInt),
  key('seqLen', 'data.max_length', asPositiveInt),
  key('gradientCheckpointing', 'model.enable_gradient_checkpointing', asBool),
  key('peft', 'model.lora_rank', asPositiveSwitch),
  key('loraR', 'model.lora_rank', asPositiveInt),
  key('loraAlpha', 'model.lora_alpha', asNumber),
  key('loraTargets', 'model.target_modules', asTargets),
  key('liger', 'model.use_liger', asBool),
  key('offloadParams', ['model.fsdp_config.offload_params', 'model.fsdp_config.cpu_offload'], asBool),
  key('offloadOptimizer', ['model.fsdp_config.offload_params', 'model.fsdp_config.cpu_offload'], asBool),
  key('numTrainEpochs', 'trainer.total_epochs', asNumber),
];
