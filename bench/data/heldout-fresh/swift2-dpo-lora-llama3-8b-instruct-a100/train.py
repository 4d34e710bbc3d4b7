# ms-swift 2.x docs/source_en/LLM/Human-Preference-Alignment-Training-Documentation.md ('DPO', June 2024): LoRA DPO of Llama-3-8B-Instruct on shareAI-Llama3-DPO-zh-en-emoji,
# single A100, swift 2.x defaults (LoRA r8/alpha32/dropout 0.05 on all linear layers, max_length 2048, max_prompt_length 1024).
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

model_id = "meta-llama/Meta-Llama-3-8B-Instruct"
model = AutoModelForCausalLM.from_pretrained(model_id, torch_dtype=torch.bfloat16)
tokenizer = AutoTokenizer.from_pretrained(model_id)
tokenizer.pad_token = tokenizer.eos_token
# No separate reference model: with a PEFT model, TRL computes reference log-probs with the adapter disabled.

peft_config = LoraConfig(
    r=8,
    lora_alpha=32,
    lora_dropout=0.05,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    task_type="CAUSAL_LM",
)

raw = load_dataset("hjh0119/shareAI-Llama3-DPO-zh-en-emoji", split="train")
dataset = raw.map(lambda r: {"prompt": r["question"], "chosen": r["answer_zh"], "rejected": r["answer_en"]},
                  remove_columns=raw.column_names)

args = DPOConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=16,
    gradient_checkpointing=True,
    learning_rate=5e-5,
    num_train_epochs=2,
    warmup_ratio=0.03,
    save_total_limit=2,
    max_length=2048,
    max_prompt_length=1024,
    beta=0.1,
    rpo_alpha=0.1,  # swift --rpo_alpha 0.1: SFT (NLL) term mixed into the DPO loss
    bf16=True,
    report_to="none",
)
trainer = DPOTrainer(model=model, args=args, tokenizer=tokenizer, train_dataset=dataset, peft_config=peft_config)
trainer.train()
