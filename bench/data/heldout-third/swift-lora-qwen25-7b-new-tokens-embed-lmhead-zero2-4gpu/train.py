# ms-swift examples/train/new_special_tokens/train.sh (comment '# 4 * 26GB', 2ea885eba, 2025-07-14), re-expressed with TRL + PEFT:
#   NPROC_PER_NODE=4 swift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora --dataset swift/new_special_tokens
#     --new_special_tokens tokens.txt --torch_dtype bfloat16 --num_train_epochs 5 --per_device_train_batch_size 16
#     --padding_free true --attn_impl flash_attn --learning_rate 1e-4 --lora_rank 16 --lora_alpha 32 --target_modules all-linear
#     --modules_to_save embed_tokens lm_head --gradient_accumulation_steps 1 --max_length 2048 --deepspeed zero2
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", torch_dtype=torch.bfloat16,
                                             attn_implementation="flash_attention_2")
ds = load_dataset("swift/new_special_tokens", split="train")   # a few new special tokens added (embedding rows grow slightly)
args = SFTConfig(output_dir="output", per_device_train_batch_size=16, gradient_accumulation_steps=1,
                 learning_rate=1e-4, num_train_epochs=5, max_length=2048, padding_free=True,
                 gradient_checkpointing=True, bf16=True, optim="adamw_torch", deepspeed="ds_zero2.json", report_to="none")
peft = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear",
                  modules_to_save=["embed_tokens", "lm_head"], task_type="CAUSAL_LM")   # full trainable copies of embed + head
SFTTrainer(model=model, args=args, train_dataset=ds, peft_config=peft).train()
