# TRL notebook examples/notebooks/openenv_wordle_grpo_qlora.ipynb (first version, 2025-11-18): QLoRA GRPO of
# Qwen/Qwen2.5-0.5B-Instruct playing Wordle through OpenEnv, vLLM 0.10.2 colocated (10% of the GPU), one A100-SXM4-40GB.
import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoTokenizer, BitsAndBytesConfig
from trl import GRPOConfig, GRPOTrainer
from trl.experimental.openenv import generate_rollout_completions
from envs.textarena_env import TextArenaEnv, TextArenaAction

# The OpenEnv Wordle environment drives multi-turn episodes: rollout_func plays up to 6 guesses per episode with
# trainer-side vLLM generation and returns prompt_ids / completion_ids / logprobs plus reward fields.
# (Environment client, system prompt and reward helpers as in the notebook; abridged here.)

model_name = "Qwen/Qwen2.5-0.5B-Instruct"
tokenizer = AutoTokenizer.from_pretrained(model_name)
tokenizer.pad_token = tokenizer.eos_token
env = TextArenaEnv(base_url="https://burtenshaw-textarena.hf.space")

def rollout_func(prompts, trainer=None):
    ...  # one rollout_once(...) per prompt, max_turns=6; prompt_ids/completion_ids of every turn are concatenated

def reward_correct(completions, **kwargs):
    return [float(r) for r in kwargs["correct_reward"]]

def reward_greens(completions, **kwargs):
    return [float(r) for r in kwargs["green_reward"]]

def reward_yellows(completions, **kwargs):
    return [float(r) for r in kwargs["yellow_reward"]]

def reward_repetition(completions, **kwargs):
    return [float(r) for r in kwargs["repetition_reward"]]

dataset = Dataset.from_dict({"prompt": ["Play Wordle like an expert."] * 3000})

quantization_config = BitsAndBytesConfig(
    load_in_4bit=True,
    bnb_4bit_compute_dtype=torch.float16,
    bnb_4bit_use_double_quant=True,
    bnb_4bit_quant_type="nf4",
)
peft_config = LoraConfig(
    r=32,
    lora_alpha=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
)

grpo_config = GRPOConfig(
    num_train_epochs=1,
    learning_rate=5e-6,
    gradient_accumulation_steps=64,
    per_device_train_batch_size=1,
    warmup_steps=20,
    num_generations=2,
    max_completion_length=8,
    max_prompt_length=1400,
    use_vllm=True,
    vllm_mode="colocate",
    vllm_gpu_memory_utilization=0.1,
    output_dir="wordle-grpo-Qwen2.5-0.5B-Instruct",
    report_to="none",
    logging_steps=1,
    save_steps=10,
    gradient_checkpointing=True,
    gradient_checkpointing_kwargs={"use_reentrant": False},
    model_init_kwargs={"quantization_config": quantization_config},
)

trainer = GRPOTrainer(
    model=model_name,
    processing_class=tokenizer,
    reward_funcs=[reward_correct, reward_greens, reward_yellows, reward_repetition],
    train_dataset=dataset,
    args=grpo_config,
    rollout_func=rollout_func,
    peft_config=peft_config,
)
trainer.train()
