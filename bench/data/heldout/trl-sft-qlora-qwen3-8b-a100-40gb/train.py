# TRL notebook "sft_trl_lora_qlora": QLoRA SFT of Qwen3-8B on one A100-40GB (run of 2025-10-16).
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

train_dataset = load_dataset("HuggingFaceH4/Multilingual-Thinking", split="train")
train_dataset = train_dataset.remove_columns(["reasoning_language", "developer", "user", "analysis", "final"])

def merge_thinking(example):
    msgs = []
    for m in example["messages"]:
        thinking = m.pop("thinking", None)
        if thinking:
            m["content"] = f"<think>\n{thinking}\n</think>\n{m['content']}"
        msgs.append(m)
    example["messages"] = msgs
    return example

train_dataset = train_dataset.map(merge_thinking)

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen3-8B",
    attn_implementation="sdpa",
    dtype=torch.float16,
    use_cache=True,
    quantization_config=BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_compute_dtype=torch.float16,
        bnb_4bit_use_double_quant=True,
        bnb_4bit_quant_type="nf4",
    ),
)

peft_config = LoraConfig(
    r=32,
    lora_alpha=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
)

training_args = SFTConfig(
    output_dir="Qwen3-8B-SFT",
    learning_rate=2e-4,
    max_steps=40,
    per_device_train_batch_size=2,
    gradient_accumulation_steps=8,
    optim="adamw_8bit",
    gradient_checkpointing=True,
    logging_steps=1,
    report_to="none",
)

trainer = SFTTrainer(model=model, args=training_args, train_dataset=train_dataset, peft_config=peft_config)
trainer.train()
