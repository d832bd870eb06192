// Every sub-command registers itself here; keep one file per command (or command group).
import type { Command } from 'commander';

export function registerAll(program: Command): void {
  void program;
}
