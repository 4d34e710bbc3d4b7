#!/bin/bash
accelerate launch --num_processes 4 -m axolotl.cli.train gpt-oss-20b-fft-fsdp2.yaml
