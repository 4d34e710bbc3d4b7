# OpenRLHF issue #519 (2024-11-13, 'OOM with Llama3-8b on 8*H100'): the non-Ray PPO entry point, every GPU holds
# actor + critic + reward model + initial (reference) model:
#   deepspeed --module openrlhf.cli.train_ppo --pretrain OpenRLHF/Llama-3-8b-sft-mixture --reward_pretrain OpenRLHF/Llama-3-8b-rm-mixture
#     --micro_train_batch_size 2 --train_batch_size 128 --micro_rollout_batch_size 4 --rollout_batch_size 1024 --max_epochs 1
#     --prompt_max_len 1024 --generate_max_len 1024 --zero_stage 2 --bf16 --actor_learning_rate 5e-7 --critic_learning_rate 9e-6
#     --init_kl_coef 0.01 --prompt_data OpenRLHF/prompt-collection-v0.1 --input_key context_messages --apply_chat_template
#     --max_samples 100000 --normalize_reward --adam_offload --flash_attn --load_checkpoint --gradient_checkpointing
# -> CUDA OOM (exit code 1 on all 8 ranks); maintainer: "Please try train_ppo_ray.py".
# Re-expressed as TRL PPOTrainer (policy, ref policy, reward model, value model) + DeepSpeed ZeRO-2 with CPU optimizer offload.
import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from trl import PPOConfig, PPOTrainer

kw = dict(torch_dtype=torch.bfloat16, attn_implementation="flash_attention_2")
policy = AutoModelForCausalLM.from_pretrained("OpenRLHF/Llama-3-8b-sft-mixture", **kw)
ref_policy = AutoModelForCausalLM.from_pretrained("OpenRLHF/Llama-3-8b-sft-mixture", **kw)
reward_model = AutoModelForSequenceClassification.from_pretrained("OpenRLHF/Llama-3-8b-rm-mixture", num_labels=1, **kw)
value_model = AutoModelForSequenceClassification.from_pretrained("OpenRLHF/Llama-3-8b-rm-mixture", num_labels=1, **kw)  # critic init from RM
tokenizer = AutoTokenizer.from_pretrained("OpenRLHF/Llama-3-8b-sft-mixture", padding_side="left")
prompts = load_dataset("OpenRLHF/prompt-collection-v0.1", split="train").select(range(100000))  # prompts <= 1024 tokens

args = PPOConfig(
    output_dir="./checkpoint/llama-3-8b-rlhf",
    per_device_train_batch_size=2, gradient_accumulation_steps=8,       # 2 x 8 x 8 GPUs = 128
    local_rollout_forward_batch_size=4,                                 # micro_rollout_batch_size
    response_length=1024, kl_coef=0.01, learning_rate=5e-7, num_ppo_epochs=1,
    bf16=True, gradient_checkpointing=True, deepspeed="ds_zero2_offload.json",
    logging_steps=1, save_strategy="no", report_to="none",
)
PPOTrainer(args=args, processing_class=tokenizer, model=policy, ref_model=ref_policy, reward_model=reward_model,
           value_model=value_model, train_dataset=prompts).train()
