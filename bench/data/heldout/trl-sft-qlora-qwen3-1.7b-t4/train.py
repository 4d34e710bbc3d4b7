# TRL notebook "sft_trl_lora_qlora" (run of 2025-10-09): QLoRA SFT of Qwen3-1.7B on a Colab T4.
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

train_dataset = load_dataset("trl-lib/Capybara", split="train")

model = AutoModelForCausalLM.from_pretrained(
    "Qwen/Qwen3-1.7B",
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
    lora_alpha=16,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
)

training_args = SFTConfig(
    output_dir="Qwen3-1.7B-SFT",
    learning_rate=2e-4,
    num_train_epochs=1,
    per_device_train_batch_size=2,
    gradient_accumulation_steps=8,
    warmup_steps=5,
    gradient_checkpointing=True,
    max_steps=2,
    logging_steps=1,
    optim="adamw_8bit",
    report_to="none",
)

trainer = SFTTrainer(model=model, args=training_args, train_dataset=train_dataset, peft_config=peft_config)
trainer.train()
