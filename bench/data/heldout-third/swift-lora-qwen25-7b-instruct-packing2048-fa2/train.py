# ms-swift examples/train/packing/llm.sh (comment '# 22GB', dbe09322a, 2025-03-31), re-expressed with TRL + PEFT:
#   swift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora --packing true --dataset alpaca-gpt4-data-zh#500 alpaca-gpt4-data-en#500
#     self-cognition#500 --torch_dtype bfloat16 --num_train_epochs 3 --attn_impl flash_attn --per_device_train_batch_size 1
#     --lora_rank 8 --lora_alpha 32 --target_modules all-linear --gradient_accumulation_steps 4 --max_length 2048
import torch
from datasets import concatenate_datasets, load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", torch_dtype=torch.bfloat16,
                                             attn_implementation="flash_attention_2")
ds = concatenate_datasets([load_dataset("llamafactory/alpaca_gpt4_zh", split="train[:500]"),
                           load_dataset("vicgalle/alpaca-gpt4", split="train[:500]")])   # + 500 self-cognition rows
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=4,
                 learning_rate=1e-4, num_train_epochs=3, max_length=2048, packing=True,   # rows of 2048 packed tokens
                 gradient_checkpointing=True, bf16=True, optim="adamw_torch", report_to="none")
peft = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
SFTTrainer(model=model, args=args, train_dataset=ds, peft_config=peft).train()
