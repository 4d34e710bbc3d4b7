# Qwen 'Q-LoRA': LoRA on the GPTQ-Int4 Qwen-7B-Chat, 8192-token padded samples, one A100-80G.
# Written after the Qwen repo's finetune.py flow: samples are right-padded to model_max_length, batch 1 x GA 8.
import torch
import transformers
from datasets import load_dataset
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GPTQConfig, Trainer, TrainingArguments
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

MODEL = "Qwen/Qwen-7B-Chat-Int4"
MAX_LEN = 8192

config = AutoConfig.from_pretrained(MODEL, trust_remote_code=True)
config.use_cache = False
model = AutoModelForCausalLM.from_pretrained(
    MODEL,
    config=config,
    trust_remote_code=True,  # Qwen(1) remote code picks bf16 weights and flash-attention 2 automatically
    device_map="auto",
    quantization_config=GPTQConfig(bits=4, disable_exllama=True),
)
tokenizer = AutoTokenizer.from_pretrained(MODEL, model_max_length=MAX_LEN, padding_side="right", use_fast=False, trust_remote_code=True)
tokenizer.pad_token_id = tokenizer.eod_id

lora_config = LoraConfig(
    r=64,
    lora_alpha=16,
    target_modules=["c_attn", "c_proj", "w1", "w2"],
    lora_dropout=0.05,
    bias="none",
    task_type="CAUSAL_LM",
    modules_to_save=None,
)
model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
model = get_peft_model(model, lora_config)
model.enable_input_require_grads()

# Chat-format conversations, tokenized and right-padded to MAX_LEN (labels -100 on padding).
raw = load_dataset("json", data_files="train.json", split="train")
def encode(ex):
    ids = tokenizer(ex["text"], truncation=True, max_length=MAX_LEN)["input_ids"]
    pad = MAX_LEN - len(ids)
    return {"input_ids": ids + [tokenizer.pad_token_id] * pad,
            "labels": ids + [-100] * pad,
            "attention_mask": [1] * len(ids) + [0] * pad}
train_dataset = raw.map(encode, remove_columns=raw.column_names)

args = TrainingArguments(
    output_dir="output_qwen",
    fp16=True,
    per_device_train_batch_size=1,
    gradient_accumulation_steps=8,
    learning_rate=3e-4,
    weight_decay=0.1,
    adam_beta2=0.95,
    warmup_ratio=0.01,
    lr_scheduler_type="cosine",
    optim="adamw_torch",
    gradient_checkpointing=True,
    deepspeed="ds_config_zero2.json",  # finetune_qlora_single_gpu.sh runs ZeRO-2 on the single GPU
    report_to="none",
)
trainer = Trainer(model=model, tokenizer=tokenizer, args=args, train_dataset=train_dataset)
trainer.train()
