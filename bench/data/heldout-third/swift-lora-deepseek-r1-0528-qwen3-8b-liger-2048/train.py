# ms-swift examples/train/think_model/deepseek_r1.sh (comment '# 18GB', e0d3439c1, 2025-05-29), re-expressed with TRL + PEFT:
#   swift sft --model deepseek-ai/DeepSeek-R1-0528-Qwen3-8B --train_type lora --dataset swift/DeepSeek-R1-Qwen3-8B-Distill#1800
#     swift/self-cognition:empty_think#600 --loss_scale ignore_empty_think --torch_dtype bfloat16 --per_device_train_batch_size 1
#     --lora_rank 8 --lora_alpha 32 --target_modules all-linear --gradient_accumulation_steps 16 --max_length 2048 --use_liger_kernel true
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", torch_dtype=torch.bfloat16)
ds = load_dataset("swift/DeepSeek-R1-Qwen3-8B-Distill", split="train[:1800]")   # long reasoning traces, truncated at 2048
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=16,
                 learning_rate=1e-4, num_train_epochs=1, max_length=2048, packing=False,
                 gradient_checkpointing=True, bf16=True, use_liger_kernel=True, optim="adamw_torch", report_to="none")
peft = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
SFTTrainer(model=model, args=args, train_dataset=ds, peft_config=peft).train()
