export async function main(_argv: string[]): Promise<number> {
  process.stderr.write("forkwatch run: not built yet\n");
  return 70;
}
