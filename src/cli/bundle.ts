export async function main(_argv: string[]): Promise<number> {
  process.stderr.write("forkwatch bundle: not built yet\n");
  return 70;
}
