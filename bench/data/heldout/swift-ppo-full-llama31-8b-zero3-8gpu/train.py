# ms-swift example examples/train/rlhf/ppo/full.sh: PPO on Llama-3.1-8B-Instruct with the
# Skywork-Reward-Llama-3.1-8B-v0.2 reward model (value model initialised from it), 8 GPUs, DeepSpeed ZERO3.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from trl import PPOConfig, PPOTrainer

POLICY = "meta-llama/Llama-3.1-8B-Instruct"
RM = "Skywork/Skywork-Reward-Llama-3.1-8B-v0.2"
tokenizer = AutoTokenizer.from_pretrained(POLICY)
policy = AutoModelForCausalLM.from_pretrained(POLICY, dtype=torch.bfloat16)
ref_policy = AutoModelForCausalLM.from_pretrained(POLICY, dtype=torch.bfloat16)
reward_model = AutoModelForSequenceClassification.from_pretrained(RM, num_labels=1, dtype=torch.bfloat16)
value_model = AutoModelForSequenceClassification.from_pretrained(RM, num_labels=1, dtype=torch.bfloat16)

# alpaca-gpt4 zh 20k + en 20k prompts, tokenized; prompts truncated so prompt+response fits max_length 2048
dataset = load_dataset("json", data_files="alpaca_gpt4_zh_en_40k_prompts.jsonl", split="train")

args = PPOConfig(
    output_dir="output",
    per_device_train_batch_size=1,
    gradient_accumulation_steps=2,
    gradient_checkpointing=True,
    response_length=512,
    temperature=0.7,
    bf16=True,
    learning_rate=1e-6,
    num_train_epochs=1,
    deepspeed="ds_zero3.json",
    save_only_model=True,
    report_to="none",
)
trainer = PPOTrainer(args=args, processing_class=tokenizer, model=policy, ref_model=ref_policy,
                     reward_model=reward_model, value_model=value_model, train_dataset=dataset)
trainer.train()
