#!/bin/bash
PYTORCH_CUDA_ALLOC_CONF='expandable_segments:True' torchrun --nproc_per_node 4 train.py
