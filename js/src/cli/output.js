// Writes lines to a stream, respecting back-pressure so large outputs do not pile up in memory.
export async function writeLines(stream, lines) {
  for (const line of lines) {
    if (!stream.write(`${line}\n`)) await new Promise((resolve) => stream.once('drain', resolve));
  }
}
