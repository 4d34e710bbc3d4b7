#!/bin/bash
# axolotl llama-3 example (2024-04-18): QLoRA + FSDP (full_shard, CPU param offload) on two GPUs
accelerate launch --num_processes 2 -m axolotl.cli.train qlora-fsdp-70b.yaml
