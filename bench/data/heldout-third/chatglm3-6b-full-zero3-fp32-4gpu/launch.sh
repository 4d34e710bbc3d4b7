#!/bin/bash
# ChatGLM3 finetune_demo README (9484f82): full SFT, 4 GPUs, DeepSpeed ZeRO-3
torchrun --standalone --nnodes=1 --nproc_per_node=4 train.py
