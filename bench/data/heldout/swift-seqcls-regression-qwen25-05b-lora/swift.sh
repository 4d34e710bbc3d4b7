# 2GB
CUDA_VISIBLE_DEVICES=0 swift sft --model Qwen/Qwen2.5-0.5B --tuner_type lora --dataset 'sentence-transformers/stsb:reg#20000' \
  --torch_dtype bfloat16 --per_device_train_batch_size 16 --learning_rate 1e-4 --lora_rank 8 --lora_alpha 32 --target_modules all-linear \
  --gradient_accumulation_steps 1 --max_length 2048 --num_labels 1 --task_type seq_cls --use_chat_template false --problem_type regression
