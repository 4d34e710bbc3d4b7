#!/bin/bash
# 8 x A100-80G, one node
deepspeed --num_gpus 8 train.py
