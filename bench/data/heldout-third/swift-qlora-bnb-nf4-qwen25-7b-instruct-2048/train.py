# ms-swift examples/train/qlora/bnb/train.sh (comment '# 10GB', 74e4831d2, 2025-07-31), re-expressed with TRL + PEFT:
#   swift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora --dataset alpaca-gpt4-data-zh#500 alpaca-gpt4-data-en#500 self-cognition#500
#     --torch_dtype bfloat16 --bnb_4bit_compute_dtype bfloat16 --bnb_4bit_quant_type nf4 --bnb_4bit_use_double_quant true
#     --quant_method bnb --quant_bits 4 --per_device_train_batch_size 1 --lora_rank 8 --lora_alpha 32 --target_modules all-linear
#     --gradient_accumulation_steps 16 --max_length 2048
import torch
from datasets import concatenate_datasets, load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                         bnb_4bit_compute_dtype=torch.bfloat16)
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct", quantization_config=bnb, torch_dtype=torch.bfloat16)
ds = concatenate_datasets([load_dataset("llamafactory/alpaca_gpt4_zh", split="train[:500]"),
                           load_dataset("vicgalle/alpaca-gpt4", split="train[:500]")])   # + 500 swift/self-cognition rows
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=16,
                 learning_rate=1e-4, num_train_epochs=1, max_length=2048, packing=False,
                 gradient_checkpointing=True, bf16=True, optim="adamw_torch", report_to="none")
peft = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
SFTTrainer(model=model, args=args, train_dataset=ds, peft_config=peft).train()
