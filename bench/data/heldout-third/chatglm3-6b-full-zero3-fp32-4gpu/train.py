# THUDM/ChatGLM3 finetune_demo (commit 9484f82, 2024-01-27):
#   torchrun --standalone --nnodes=1 --nproc_per_node=4 finetune_hf.py data/AdvertiseGen/ THUDM/chatglm3-6b configs/sft.yaml
# sft.yaml: per_device_train_batch_size 1, max_input_length 128, max_output_length 256, deepspeed ds_zero_3.json.
import torch
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq,
                          Seq2SeqTrainer, Seq2SeqTrainingArguments)
from datasets import load_dataset

model_dir = "THUDM/chatglm3-6b"
tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=True)
model = AutoModelForCausalLM.from_pretrained(model_dir, trust_remote_code=True, empty_init=False)  # fp16 (config.torch_dtype)
for p in model.parameters():          # _prepare_model_for_training: every trainable param -> fp32 (full FT: whole model)
    if p.requires_grad:
        p.data = p.data.to(torch.float32)

train_dataset = load_dataset("json", data_files="data/AdvertiseGen/train.json", split="train")  # <= 128 + 256 + 1 tokens/row

args = Seq2SeqTrainingArguments(
    output_dir="./output", max_steps=3000, per_device_train_batch_size=1,
    dataloader_num_workers=16, remove_unused_columns=False,
    save_strategy="steps", save_steps=500, logging_steps=10,
    per_device_eval_batch_size=16, evaluation_strategy="steps", eval_steps=500,
    predict_with_generate=True,
    deepspeed="ds_zero_3.json",       # no bf16/fp16 flag -> DeepSpeed 'auto' precision resolves to fp32
)
trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=train_dataset,
                         data_collator=DataCollatorForSeq2Seq(tokenizer=tokenizer, padding="longest", return_tensors="pt"))
trainer.train()
