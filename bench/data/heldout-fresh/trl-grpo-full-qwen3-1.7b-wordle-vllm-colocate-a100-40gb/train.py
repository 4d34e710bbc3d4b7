# TRL notebook examples/notebooks/openenv_wordle_grpo.ipynb: full-parameter GRPO of Qwen/Qwen3-1.7B playing Wordle
# through OpenEnv, vLLM in colocate mode (15% of the GPU), one A100-SXM4-40GB, trl 0.27.x (notebook version of 2026-02-02, run that day).
from datasets import Dataset
from transformers import AutoTokenizer
from trl import GRPOConfig, GRPOTrainer
from trl.experimental.openenv import generate_rollout_completions
from textarena_env import TextArenaEnv, TextArenaAction

# The OpenEnv Wordle environment drives multi-turn episodes: rollout_func plays up to 6 guesses per episode with
# trainer-side vLLM generation and returns prompt_ids / completion_ids / logprobs plus reward fields.
# (Environment client, system prompt and reward helpers as in the notebook; abridged here.)

model_name = "Qwen/Qwen3-1.7B"
tokenizer = AutoTokenizer.from_pretrained(model_name)
tokenizer.pad_token = tokenizer.eos_token
env = TextArenaEnv(base_url="https://openenv-wordle.hf.space")
max_new_tokens, max_turns = 8, 6

def rollout_func(prompts, trainer):
    ...  # one rollout_once(...) per prompt; completion = all guesses + env feedback, env tokens masked

def reward_correct(completions, **kwargs):
    return [float(r) for r in kwargs["correct_reward"]]

def reward_position(completions, **kwargs):
    return [float(r) for r in kwargs["position_reward"]]

def reward_format_strict(completions, **kwargs):
    return [float(r) for r in kwargs["format_reward"]]

dataset = Dataset.from_dict({"prompt": ["Play Wordle like an expert."] * 3000})

grpo_config = GRPOConfig(
    num_train_epochs=1,
    learning_rate=1e-6,
    gradient_accumulation_steps=64,
    per_device_train_batch_size=1,
    warmup_steps=10,
    optim="adamw_torch",
    max_grad_norm=1.0,
    num_generations=2,
    max_completion_length=1024,
    log_completions=False,
    use_vllm=True,
    vllm_mode="colocate",
    vllm_gpu_memory_utilization=0.15,
    vllm_max_model_length=3072,
    vllm_importance_sampling_correction=False,
    output_dir="wordle-grpo-Qwen3-1.7B-test",
    report_to="none",
    logging_steps=1,
    save_steps=10,
    save_total_limit=1,
    gradient_checkpointing=True,
)

trainer = GRPOTrainer(
    model=model_name,
    processing_class=tokenizer,
    reward_funcs=[reward_correct, reward_position, reward_format_strict],
    train_dataset=dataset,
    args=grpo_config,
    rollout_func=rollout_func,
)
trainer.train()
