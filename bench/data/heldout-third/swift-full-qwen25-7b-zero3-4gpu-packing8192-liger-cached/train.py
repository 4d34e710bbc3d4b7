# ms-swift examples/train/cached_dataset/sft.sh (comment '# 4 * 44GiB; 15.5s/it', e86d89f8f, 2025-12-04, ms-swift>=3.11), re-expressed with TRL:
#   NPROC_PER_NODE=4 swift sft --model Qwen/Qwen2.5-7B --train_type full --cached_dataset ./qwen2_5_cached_dataset/train
#     --num_train_epochs 3 --torch_dtype bfloat16 --per_device_train_batch_size 1 --learning_rate 1e-5 --gradient_accumulation_steps 4
#     --packing true --max_length 8192 --deepspeed zero3 --use_liger_kernel true --attn_impl flash_attn
# (dataset: swift/Chinese-Qwen3-235B-2507-Distill-data-110k-SFT, pre-tokenised by `swift export --to_cached_dataset true`)
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", torch_dtype=torch.bfloat16,
                                             attn_implementation="flash_attention_2")
ds = load_dataset("swift/Chinese-Qwen3-235B-2507-Distill-data-110k-SFT", split="train")
args = SFTConfig(output_dir="output", per_device_train_batch_size=1, gradient_accumulation_steps=4,
                 learning_rate=1e-5, num_train_epochs=3, max_length=8192, packing=True,
                 gradient_checkpointing=True, bf16=True, use_liger_kernel=True, optim="adamw_torch",
                 deepspeed="ds_zero3.json", save_only_model=True, report_to="none")
SFTTrainer(model=model, args=args, train_dataset=ds).train()
