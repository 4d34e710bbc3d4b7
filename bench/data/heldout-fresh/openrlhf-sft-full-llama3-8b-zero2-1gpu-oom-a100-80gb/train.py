# OpenRLHF issue #698 (Jan 2025): full SFT of Meta-Llama-3-8B with the OpenRLHF example command on ONE A100 80GB,
# DeepSpeed ZeRO-2 (no offload), bf16, flash-attention, gradient checkpointing, micro batch 1, max_len 128, packed samples.
# Re-expressed with transformers + DeepSpeed; the original command is quoted in cases.json.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained(
    "meta-llama/Meta-Llama-3-8B", torch_dtype=torch.bfloat16, attn_implementation="flash_attention_2"
)
tokenizer = AutoTokenizer.from_pretrained("meta-llama/Meta-Llama-3-8B")

raw = load_dataset("Open-Orca/OpenOrca", split="train").select(range(500000))
dataset = raw.map(lambda r: {"prompt": "User: " + r["question"] + "\nAssistant: ", "completion": r["response"]},
                  remove_columns=raw.column_names)

args = SFTConfig(
    output_dir="checkpoint/llama3-8b-sft",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=1,
    gradient_checkpointing=True,
    learning_rate=5e-6,
    num_train_epochs=1,
    max_length=128,
    packing=True,
    bf16=True,
    deepspeed="ds_zero2.json",
    logging_steps=1,
    save_strategy="no",
    report_to="none",
)
trainer = SFTTrainer(model=model, args=args, processing_class=tokenizer, train_dataset=dataset)
trainer.train()
