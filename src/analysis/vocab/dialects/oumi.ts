// oumi training YAML (`oumi train -c config.yaml`): TrainingConfig with model / training / peft / fsdp /
// deepspeed sections (oumi src/oumi/core/configs/params/{model,training,peft,fsdp,deepspeed}_params.py). Its
// training section passes HF TrainingArguments names through; the trainer type picks TRL's trainer.
import { ConfigWrites, key, KeyTable } from '../dialect';
import { HF_OPTIM, optimName } from './hf';
import { asBool, asDtype, asModelRef, asNumber, asPositiveInt, asString, asTargets, asNameList } from '../values';

export const OUMI_KEYS: KeyTable = [
  key('model', 'model.model_name', asModelRef),
  key('seqLen', 'model.model_max_length', asPositiveInt),
  key('dtype', 'model.torch_dtype_str', asDtype),
  key('attention', 'model.attn_implementation', asString),
  key('peft', 'training.use_peft', asBool),
  key('microBatch', 'training.per_device_train_batch_size', asPositiveInt),
  key('gradAccumulation', 'training.gradient_accumulation_steps', asPositiveInt),
  key('gradientCheckpointing', 'training.enable_gradient_checkpointing', asBool),
  key('optimizer', 'training.optimizer', asString),
  key('torchCompile', 'training.compile', asBool),
  key('maxSteps', 'training.max_steps', asPositiveInt),
  key('numTrainEpochs', 'training.num_train_epochs', asNumber),
  key('loraR', 'peft.lora_r', asPositiveInt),
  key('loraAlpha', 'peft.lora_alpha', asNumber),
  key('loraDropout', 'peft.lora_dropout', asNumber),
  key('loraTargets', 'peft.lora_target_modules', asTargets),
  key('modulesToSave', 'peft.lora_modules_to_save', asNameList),
  key('quantType', 'peft.bnb_4bit_quant_type', asString),
  key('doubleQuant', 'peft.use_bnb_nested_quant', asBool),
];

/** oumi trainer_type -> the trainer it runs (oumi core/configs/params/training_params.py TrainerType). */
export const OUMI_TRAINERS: Readonly<Record<string, string>> = {
  TRL_SFT: 'SFTTrainer',
  TRL_DPO: 'DPOTrainer',
  TRL_KTO: 'KTOTrainer',
  TRL_GRPO: 'GRPOTrainer',
  HF: 'Trainer',
  OUMI: 'Trainer',
};

// ---- writing: the same keys under their sections (a section the file lacks is added by hand) -----------------

export const OUMI_WRITES: ConfigWrites = {
  microBatch: (c) => [{ key: 'training.per_device_train_batch_size', value: c.value, field: 'microBatch' }],
  gradAccumulation: (c) => [{ key: 'training.gradient_accumulation_steps', value: c.value, field: 'gradAccumulation' }],
  seqLen: (c) => [{ key: 'model.model_max_length', value: c.value, field: 'seqLen' }],
  gradientCheckpointing: (c) => [{ key: 'training.enable_gradient_checkpointing', value: c.value, field: 'gradientCheckpointing' }],
  optimizer: (c) => {
    const name = optimName(c.value);
    return HF_OPTIM[c.value] ? [{ key: 'training.optimizer', value: name, field: 'optimizer' }] : name;
  },
  loraR: (c) => [{ key: 'peft.lora_r', value: c.value, field: 'loraR' }],
  method: (c) => [{ key: 'training.use_peft', value: c.value !== 'full', field: 'peft' }],
  quantization: (c, x) =>
    c.value === 'nf4'
      ? [
          { key: 'peft.q_lora', value: true, field: 'loadIn4bit' },
          { key: 'peft.bnb_4bit_quant_type', value: 'nf4', field: 'quantType' },
        ]
      : c.value === 'none'
        ? x.has('peft.q_lora')
          ? [{ key: 'peft.q_lora', value: false, field: 'loadIn4bit' }]
          : []
        : 'oumi quantizes LoRA training in 4 bits (peft.q_lora): other quantizations by hand',
};
