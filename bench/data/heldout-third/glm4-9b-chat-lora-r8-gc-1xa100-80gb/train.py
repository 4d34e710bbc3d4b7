# THUDM/GLM-4 finetune_demo (init commit c0a6d1e, 2024-06-05):
#   python finetune.py data/AdvertiseGen/ THUDM/glm-4-9b-chat configs/lora.yaml
# lora.yaml: max_input_length 512, max_output_length 512, per_device_train_batch_size 1, lr 5e-4, LoRA r 8 / alpha 32 / dropout 0.1.
import torch
from peft import LoraConfig, get_peft_model
from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq,
                          Seq2SeqTrainer, Seq2SeqTrainingArguments)
from datasets import load_dataset

model_dir = "THUDM/glm-4-9b-chat"
tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=True)
model = AutoModelForCausalLM.from_pretrained(model_dir, trust_remote_code=True, empty_init=False,
                                             use_cache=False, torch_dtype=torch.bfloat16)
model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=8, lora_alpha=32, lora_dropout=0.1))  # default target: query_key_value
model.gradient_checkpointing_enable()
model.enable_input_require_grads()

train_dataset = load_dataset("json", data_files="data/AdvertiseGen/train.jsonl", split="train")  # <= 512 + 512 + 1 tokens/row

args = Seq2SeqTrainingArguments(
    output_dir="./output", max_steps=3000, learning_rate=5e-4, per_device_train_batch_size=1,
    dataloader_num_workers=16, remove_unused_columns=False,
    save_strategy="steps", save_steps=500, logging_steps=10,
    per_device_eval_batch_size=4, evaluation_strategy="steps", eval_steps=500,
    predict_with_generate=True,
    # no bf16 flag: bf16 weights, no autocast; default adamw_torch
)
trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=train_dataset,
                         data_collator=DataCollatorForSeq2Seq(tokenizer=tokenizer, padding="longest", return_tensors="pt"))
trainer.train()
