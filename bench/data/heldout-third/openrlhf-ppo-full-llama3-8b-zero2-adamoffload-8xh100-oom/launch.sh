#!/bin/bash
# 8 x H100 80GB, one node; reference and reward models are not sharded (ZeRO-2 eval copies on every GPU)
deepspeed --num_gpus 8 train.py
