// oumi training YAML (`oumi train -c config.yaml`): TrainingConfig with model / training / peft / fsdp /
// deepspeed sections (oumi src/oumi/core/configs/params/{model,training,peft,fsdp,deepspeed}_params.py). Its
// training section passes HF TrainingArguments names through; the trainer type picks TRL's trainer.
import { key, KeyTable } from '../dialect';
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
