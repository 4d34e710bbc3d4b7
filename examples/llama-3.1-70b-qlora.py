# QLoRA fine-tuning of Llama 3.1 70B on one 80 GB GPU (Dettmers et al. 2023 recipe:
# NF4 + double quantization, LoRA on all linear layers, paged 8-bit AdamW, gradient checkpointing).
import torch
from datasets import load_dataset
from peft import LoraConfig, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

MODEL_ID = "meta-llama/Llama-3.1-70B-Instruct"
MAX_LEN = 2048

bnb_config = BitsAndBytesConfig(
    load_in_4bit=True,
    bnb_4bit_quant_type="nf4",
    bnb_4bit_use_double_quant=True,
    bnb_4bit_compute_dtype=torch.bfloat16,
)

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(
    MODEL_ID,
    quantization_config=bnb_config,
    dtype=torch.bfloat16,
    attn_implementation="sdpa",
)
model = prepare_model_for_kbit_training(model)

peft_config = LoraConfig(
    r=16,
    lora_alpha=32,
    lora_dropout=0.05,
    target_modules="all-linear",
    task_type="CAUSAL_LM",
)

args = SFTConfig(
    output_dir="out/llama-70b-qlora",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=16,
    gradient_checkpointing=True,
    max_length=MAX_LEN,
    bf16=True,
    optim="paged_adamw_8bit",
    learning_rate=1e-4,
    num_train_epochs=1,
)

trainer = SFTTrainer(
    model=model,
    args=args,
    train_dataset=load_dataset("trl-lib/Capybara", split="train"),
    peft_config=peft_config,
    processing_class=tokenizer,
)
trainer.train()
