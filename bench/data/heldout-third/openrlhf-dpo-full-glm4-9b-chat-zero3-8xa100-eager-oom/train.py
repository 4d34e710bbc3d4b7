# OpenRLHF issue #384 (2024-07-23): full DPO of glm-4-9b-chat on 8 x A100-80G, OpenRLHF @ 6a13d95:
#   deepspeed --module openrlhf.cli.train_dpo --train_batch_size 128 --micro_train_batch_size 1 --pretrain glm-4-9b-chat
#     --bf16 --max_epochs 1 --max_len 2048 --zero_stage 3 --learning_rate 5e-7 --beta 0.1
#     --dataset OpenRLHF/preference_dataset_mixture2_and_safe_pku --max_samples 1000 --apply_chat_template
#     --chosen_key chosen --rejected_key rejected --gradient_checkpointing          (no --flash_attn, no --ref_offload)
# OOM after a few dozen steps; the reporter's fix was adding --flash_attn.
# Re-expressed as TRL DPOTrainer + DeepSpeed ZeRO-3 with a separate frozen reference copy (OpenRLHF loads ref_model as its own Actor).
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

name = "THUDM/glm-4-9b-chat"
kw = dict(trust_remote_code=True, torch_dtype=torch.bfloat16, attn_implementation="eager")   # OpenRLHF: eager unless --flash_attn
model = AutoModelForCausalLM.from_pretrained(name, **kw)
ref_model = AutoModelForCausalLM.from_pretrained(name, **kw)
tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=True)
ds = load_dataset("OpenRLHF/preference_dataset_mixture2_and_safe_pku", split="train").select(range(1000))

args = DPOConfig(
    output_dir="ckpt/glm-test", per_device_train_batch_size=1, gradient_accumulation_steps=16,   # 128 / 8 GPUs
    learning_rate=5e-7, beta=0.1, max_length=2048, num_train_epochs=1,
    bf16=True, gradient_checkpointing=True, deepspeed="ds_zero3.json",
    logging_steps=1, save_strategy="no", report_to="none",
)
DPOTrainer(model=model, ref_model=ref_model, args=args, train_dataset=ds, processing_class=tokenizer).train()
