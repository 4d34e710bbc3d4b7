// What a config reader returns besides the Hyperparams: the files it points to, and the framework rules
// that can only be applied once those files are read.
import { Hyperparams } from '../hyperparams';
import { SourceSpan } from '../source';

export interface LinkRequest {
  kind: 'deepspeed' | 'accelerate';
  /** as written in the file (relative to the working directory or the file) */
  path: string;
  /** the key (or argument) that holds it, in the analysed file */
  span: SourceSpan;
  /** how the link is named in reasons: "deepspeed: …" */
  via: string;
  /** the working directory of the launch command that named it, when a launcher did */
  cwd?: string;
  /** named by a usage example, not by a command that runs: what it sets is assumed */
  assumed?: boolean;
}

export interface ConfigExtraction {
  hp: Hyperparams;
  /** key paths the reader consumed */
  used: Set<string>;
  links: LinkRequest[];
  /** rules that depend on linked files or launchers (LLaMA-Factory's fp32 upcast unless ZeRO-3/FSDP) */
  finalize?: (hp: Hyperparams) => void;
}
