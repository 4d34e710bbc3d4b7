# ms-swift examples/train/streaming/lazy_tokenize.sh (comment '# 17GiB', 11a345d41, 2025-07-31), re-expressed with TRL + PEFT:
#   swift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora --dataset swift/self-cognition#1000 --num_train_epochs 1
#     --per_device_train_batch_size 1 --learning_rate 1e-4 --lora_rank 8 --lora_alpha 32 --gradient_accumulation_steps 16 --lazy_tokenize true
# swift 3.x defaults: torch_dtype from config (bf16), target_modules all-linear, lora_dropout 0.05, gradient_checkpointing True,
# attn_impl None (sdpa), adamw_torch. lazy_tokenize only changes when rows are tokenised.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", torch_dtype=torch.bfloat16)
ds = load_dataset("modelscope/self-cognition", split="train[:1000]")
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=16,
                 learning_rate=1e-4, num_train_epochs=1, gradient_checkpointing=True, bf16=True,
                 optim="adamw_torch", report_to="none")
peft = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
SFTTrainer(model=model, args=args, train_dataset=ds, peft_config=peft).train()
