# THUDM/ChatGLM3 finetune_demo (commit 9484f82, 2024-01-27): `python finetune_hf.py data/AdvertiseGen/ THUDM/chatglm3-6b configs/lora.yaml`
# Transcribed with the memory-relevant parts of finetune_hf.py + configs/lora.yaml at that commit.
import torch
from peft import LoraConfig, get_peft_model
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq,
                          Seq2SeqTrainer, Seq2SeqTrainingArguments)
from datasets import load_dataset

model_dir = "THUDM/chatglm3-6b"
tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=True)
# no torch_dtype: ChatGLM3's remote code builds every layer with dtype=config.torch_dtype (float16)
model = AutoModelForCausalLM.from_pretrained(model_dir, trust_remote_code=True, empty_init=False)
model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=8, lora_alpha=32, lora_dropout=0.1))  # default target: query_key_value
for p in model.parameters():          # _prepare_model_for_training: trainable params -> fp32
    if p.requires_grad:
        p.data = p.data.to(torch.float32)

max_input_length, max_output_length = 128, 256   # rows truncated to 128 + 256 + 1 tokens
train_dataset = load_dataset("json", data_files="data/AdvertiseGen/train.json", split="train")  # tokenised by process_batch

args = Seq2SeqTrainingArguments(
    output_dir="./output", max_steps=3000, per_device_train_batch_size=1,
    dataloader_num_workers=16, remove_unused_columns=False,
    save_strategy="steps", save_steps=500, logging_steps=10,
    per_device_eval_batch_size=16, evaluation_strategy="steps", eval_steps=500,
    predict_with_generate=True,
    # no fp16/bf16 flag, no gradient checkpointing, default adamw_torch
)
trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=train_dataset,
                         data_collator=DataCollatorForSeq2Seq(tokenizer=tokenizer, padding="longest", return_tensors="pt"))
trainer.train()
