# ms-swift example examples/train/rlhf/ppo/lora.sh: PPO on Llama-3.1-8B-Instruct with the
# Skywork-Reward-Llama-3.1-8B-v0.2 reward model (value model initialised from it), 4 GPUs, DeepSpeed ZERO2.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from trl import PPOConfig, PPOTrainer
from peft import LoraConfig

POLICY = "meta-llama/Llama-3.1-8B-Instruct"
RM = "Skywork/Skywork-Reward-Llama-3.1-8B-v0.2"
tokenizer = AutoTokenizer.from_pretrained(POLICY)
policy = AutoModelForCausalLM.from_pretrained(POLICY, dtype=torch.bfloat16)
ref_policy = None  # LoRA: reference = adapter-disabled policy
reward_model = AutoModelForSequenceClassification.from_pretrained(RM, num_labels=1, dtype=torch.bfloat16)
value_model = AutoModelForSequenceClassification.from_pretrained(RM, num_labels=1, dtype=torch.bfloat16)

peft_config = LoraConfig(r=8, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
# alpaca-gpt4 zh 20k + en 20k prompts, tokenized; prompts truncated so prompt+response fits max_length 2048
dataset = load_dataset("json", data_files="alpaca_gpt4_zh_en_40k_prompts.jsonl", split="train")

args = PPOConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=4,
    gradient_checkpointing=True,
    response_length=512,
    temperature=0.7,
    bf16=True,
    learning_rate=1e-5,
    num_train_epochs=1,
    deepspeed="ds_zero2.json",
    save_only_model=True,
    report_to="none",
)
trainer = PPOTrainer(args=args, processing_class=tokenizer, model=policy, ref_model=ref_policy,
                     reward_model=reward_model, value_model=value_model, train_dataset=dataset, peft_config=peft_config)
trainer.train()
