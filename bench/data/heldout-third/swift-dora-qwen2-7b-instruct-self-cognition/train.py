# ms-swift examples/train/tuners/dora/train.sh (comment '# 17.2GiB', b40f31df7, 2024-12-05, swift 3.0), re-expressed with TRL + PEFT:
#   swift sft --model Qwen/Qwen2-7B-Instruct --train_type lora --use_dora true --dataset swift/self-cognition#1000
#     --num_train_epochs 1 --per_device_train_batch_size 1 --learning_rate 1e-4 --lora_rank 8 --lora_alpha 32 --gradient_accumulation_steps 16
# swift 3.0 defaults: torch_dtype from config (bf16), target_modules all-linear, lora_dropout 0.05, gradient_checkpointing True,
# attn_impl None (transformers default sdpa), max_length None (rows are short), adamw_torch.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2-7B-Instruct", torch_dtype=torch.bfloat16)
ds = load_dataset("modelscope/self-cognition", split="train[:1000]")   # swift/self-cognition, ~100-token rows
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=16,
                 learning_rate=1e-4, num_train_epochs=1, gradient_checkpointing=True, bf16=True,
                 optim="adamw_torch", report_to="none")
peft = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", use_dora=True, task_type="CAUSAL_LM")
SFTTrainer(model=model, args=args, train_dataset=ds, peft_config=peft).train()
