# ms-swift examples/train/agent/qwen2_5.sh (comment '# 35GiB', b91109223, 2025-04-22), re-expressed with TRL:
#   swift sft --model Qwen/Qwen2.5-3B --train_type full --dataset AI-ModelScope/function-calling-chatml --agent_template hermes
#     --torch_dtype bfloat16 --num_train_epochs 2 --per_device_train_batch_size 1 --learning_rate 1e-5 --gradient_accumulation_steps 8
#     --max_length 8192 --save_only_model true --packing true --use_liger_kernel true --attn_impl flash_attn
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-3B", torch_dtype=torch.bfloat16,
                                             attn_implementation="flash_attention_2")
ds = load_dataset("Locutusque/function-calling-chatml", split="train")   # AI-ModelScope mirror
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=8,
                 learning_rate=1e-5, num_train_epochs=2, max_length=8192, packing=True,
                 gradient_checkpointing=True, bf16=True, use_liger_kernel=True, optim="adamw_torch",
                 save_only_model=True, report_to="none")
SFTTrainer(model=model, args=args, train_dataset=ds).train()
